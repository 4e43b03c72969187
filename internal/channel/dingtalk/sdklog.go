package dingtalk

import "github.com/open-dingtalk/dingtalk-stream-sdk-go/logger"

// The SDK creates its package logger lazily, on the first GetLogger, with
// an unsynchronised write: two Stream channels connecting at once (a
// channel being added while the node opens another) race on it. Setting
// it here, before any client exists, leaves only reads. It logs nothing:
// the SDK's messages carry connection tickets, and this package reports
// what matters itself through channel health and slog.
func init() { logger.SetLogger(quietSDK{}) }

type quietSDK struct{}

func (quietSDK) Debugf(string, ...any)   {}
func (quietSDK) Infof(string, ...any)    {}
func (quietSDK) Warningf(string, ...any) {}
func (quietSDK) Errorf(string, ...any)   {}
func (quietSDK) Fatalf(string, ...any)   {}
