// Package channeltest holds checks the platform adapters' tests share.
package channeltest

import (
	"context"
	"errors"
	"testing"

	"switchboard/internal/channel"
	"switchboard/internal/model"
)

// LookupCase is one contact lookup and what it must give: Want, or an
// error that is Err, or (Retry) one that is neither ErrNoPermission nor
// ErrNoProfile, so the lookup is tried again.
type LookupCase struct {
	Name, ID string
	Setup    func() // before the lookup, if set
	Want     model.Profile
	Err      error
	Retry    bool
}

// RunLookups runs the cases in order against dir.
func RunLookups(t *testing.T, dir channel.Directory, cases []LookupCase) {
	t.Helper()
	for _, c := range cases {
		if c.Setup != nil {
			c.Setup()
		}
		got, err := dir.LookupUser(context.Background(), c.ID)
		switch {
		case c.Retry:
			if err == nil || errors.Is(err, channel.ErrNoPermission) || errors.Is(err, channel.ErrNoProfile) {
				t.Errorf("%s: err = %v, want a retryable error", c.Name, err)
			}
		case c.Err != nil:
			if !errors.Is(err, c.Err) {
				t.Errorf("%s: err = %v, want %v", c.Name, err, c.Err)
			}
		case err != nil || got != c.Want:
			t.Errorf("%s: %+v %v, want %+v", c.Name, got, err, c.Want)
		}
	}
}
