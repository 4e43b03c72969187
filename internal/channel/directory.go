package channel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"switchboard/internal/model"
)

// Directory is implemented by channels whose platform has a contact API.
// Lookups run after intake, in the background; a refusal for lack of a
// permission is ErrNoPermission (the admin did not grant the contact
// scope), a user the directory does not know is ErrNoProfile, and any
// other error is worth retrying.
type Directory interface {
	LookupUser(ctx context.Context, externalUserID string) (model.Profile, error)
}

// Fetcher is implemented by channels that can download the bytes behind
// an attachment's platform reference (its URL or download code). A
// permanent failure is wrapped with Permanent.
type Fetcher interface {
	FetchAttachment(ctx context.Context, att model.Attachment) (data []byte, mime string, err error)
}

// Lookup outcomes that are not worth retrying.
var (
	ErrNoPermission = errors.New("channel: the platform refused the contact lookup (permission not granted)")
	ErrNoProfile    = errors.New("channel: the platform's directory has no such user")
)

// MaxAttachmentBytes bounds one downloaded attachment (Feishu allows
// files up to 100 MB in chats; the bytes are held in memory once).
const MaxAttachmentBytes = 100 << 20

// ReadAttachment reads a downloaded attachment's body, refusing (as a
// permanent failure) one larger than MaxAttachmentBytes.
func ReadAttachment(body io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, MaxAttachmentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read attachment: %w", err)
	}
	if len(data) > MaxAttachmentBytes {
		return nil, Permanent(fmt.Errorf("attachment larger than %d bytes", MaxAttachmentBytes))
	}
	return data, nil
}

// Mobile writes a phone number as +<country><number>, the form linking
// compares, from the digits a platform gives and its country code
// (default 86, as both Chinese platforms assume).
func Mobile(number, country string) string {
	number = strings.Map(func(r rune) rune {
		if (r >= '0' && r <= '9') || r == '+' {
			return r
		}
		return -1
	}, number)
	if number == "" || strings.HasPrefix(number, "+") {
		return number
	}
	country = strings.TrimPrefix(strings.TrimSpace(country), "+")
	if country == "" {
		country = "86"
	}
	return "+" + country + number
}
