package ticket

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

// DefaultExtractors are used until an admin sets their own: the facts a
// support desk in China asks for first. Patterns accept the full-width
// colon (：) people type with a Chinese input method.
var DefaultExtractors = []model.TicketExtractor{
	{Name: "order_no", Label: "订单号", Pattern: `(?i)(?:订单号?|单号|order(?:\s*(?:no\.?|number|id))?)\s*[:：#]?\s*([A-Z0-9][A-Z0-9-]{5,})`},
	{Name: "phone", Label: "手机号", Pattern: `(?:^|\D)(1[3-9]\d{9})(?:\D|$)`},
	{Name: "email", Label: "邮箱", Pattern: `[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`},
	{Name: "device_model", Label: "设备型号", Pattern: `(?i)(?:设备型号|型号|机型|model)\s*[:：]?\s*([A-Za-z0-9][A-Za-z0-9 ._-]{0,30}[A-Za-z0-9])`},
}

var extractorName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// maxExtractors bounds the list, since every one runs on every new ticket.
const maxExtractors = 50

// CheckExtractors refuses an extractor list that could not be applied:
// names must be distinct identifiers, patterns must compile.
func CheckExtractors(ex []model.TicketExtractor) error {
	if len(ex) > maxExtractors {
		return errcode.BadExtractor.With("%d extractors; at most %d", len(ex), maxExtractors)
	}
	seen := map[string]bool{}
	for i, e := range ex {
		if !extractorName.MatchString(e.Name) {
			return errcode.BadExtractor.With("extractors[%d]: name %q: want lower-case letters, digits and _ (a field name)", i, e.Name)
		}
		if seen[e.Name] {
			return errcode.BadExtractor.With("extractors[%d]: name %q appears twice", i, e.Name)
		}
		seen[e.Name] = true
		if utf8.RuneCountInString(e.Label) > 40 {
			return errcode.BadExtractor.With("extractors[%d] (%s): label longer than 40 characters", i, e.Name)
		}
		if strings.TrimSpace(e.Pattern) == "" || len(e.Pattern) > 500 {
			return errcode.BadExtractor.With("extractors[%d] (%s): pattern is required, at most 500 bytes", i, e.Name)
		}
		if _, err := regexp.Compile(e.Pattern); err != nil {
			return errcode.BadExtractor.With("extractors[%d] (%s): %v", i, e.Name, err)
		}
	}
	return nil
}

// Extract fills fields from text with each extractor that finds
// something, leaving fields already set alone (an agent's correction, or
// what an earlier message said). It reports whether it set any.
func Extract(ex []model.TicketExtractor, text string, fields map[string]string) []string {
	var set []string
	for _, e := range ex {
		if fields[e.Name] != "" {
			continue
		}
		re, err := regexp.Compile(e.Pattern) // checked when saved; a few per ticket
		if err != nil {
			continue
		}
		m := re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		v := m[0]
		if len(m) > 1 {
			v = m[1]
		}
		if v = strings.TrimSpace(v); v != "" {
			fields[e.Name] = v
			set = append(set, e.Name)
		}
	}
	return set
}

// Extractors returns the admin's extractors, or the defaults (isDefault).
func (s *Service) Extractors(ctx context.Context) (ex []model.TicketExtractor, isDefault bool, err error) {
	ex, ok, err := s.Store.TicketExtractors(ctx)
	if err != nil || !ok {
		return DefaultExtractors, true, err
	}
	return ex, false, nil
}

// SetExtractors validates and stores the extractors; tickets already
// made keep their fields.
func (s *Service) SetExtractors(ctx context.Context, ex []model.TicketExtractor) error {
	if err := CheckExtractors(ex); err != nil {
		return err
	}
	return s.Store.SetTicketExtractors(ctx, ex)
}

// extract applies the extractors in use to texts, into t's fields.
func (s *Service) extract(ctx context.Context, t *model.Ticket, texts ...string) ([]string, error) {
	ex, _, err := s.Extractors(ctx)
	if err != nil {
		return nil, err
	}
	if t.Fields == nil {
		t.Fields = map[string]string{}
	}
	var set []string
	for _, text := range texts {
		set = append(set, Extract(ex, text, t.Fields)...)
	}
	return set, nil
}
