package ticket

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

var identName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// PutType creates (create true) or replaces an admin-defined ticket type
// after checking its definition. Built-in types stay as they are.
func (s *Service) PutType(ctx context.Context, t model.TicketType, create bool) (model.TicketType, error) {
	if err := checkType(&t); err != nil {
		return t, err
	}
	err := s.Store.PutTicketType(ctx, t, create)
	switch {
	case errors.Is(err, store.ErrConflict) && create:
		if _, e := s.ticketType(ctx, t.Name); e == nil {
			return t, errcode.TicketTypeTaken.With("%q", t.Name)
		}
	case errors.Is(err, store.ErrConflict):
		return t, errcode.BuiltinType.With("%q is built in", t.Name)
	case errors.Is(err, store.ErrNotFound):
		return t, errcode.NotFound.With("ticket type %q", t.Name)
	}
	return t, err
}

// checkType validates a type definition and its fields.
func checkType(t *model.TicketType) error {
	t.Name, t.LabelZH, t.LabelEN = strings.TrimSpace(t.Name), strings.TrimSpace(t.LabelZH), strings.TrimSpace(t.LabelEN)
	switch {
	case !identName.MatchString(t.Name):
		return errcode.BadTicketType.With("name: lower-case letters, digits and _ (up to 40), starting with a letter; got %q", t.Name)
	case t.LabelZH == "" || t.LabelEN == "":
		return errcode.BadTicketType.With("label_zh and label_en are both needed")
	case t.Flow != model.FlowStandard && t.Flow != model.FlowRequirement:
		return errcode.BadTicketType.With("flow: standard or requirement, got %q", t.Flow)
	}
	t.Builtin = false
	if t.Fields == nil {
		t.Fields = []model.TicketFieldDef{}
	}
	seen := map[string]bool{}
	for i := range t.Fields {
		f := &t.Fields[i]
		switch {
		case !identName.MatchString(f.Name):
			return errcode.BadTicketType.With("fields[%d].name: lower-case letters, digits and _, got %q", i, f.Name)
		case seen[f.Name]:
			return errcode.BadTicketType.With("field %q is defined twice", f.Name)
		case !slices.Contains(model.TicketFieldKinds, f.Kind):
			return errcode.BadTicketType.With("field %q: kind %q; want text, number, date or select", f.Name, f.Kind)
		case f.Kind == "select" && len(f.Options) == 0:
			return errcode.BadTicketType.With("field %q: a select needs options", f.Name)
		case f.Kind != "select" && len(f.Options) > 0:
			return errcode.BadTicketType.With("field %q: only a select has options", f.Name)
		}
		seen[f.Name] = true
		if f.LabelZH == "" {
			f.LabelZH = f.Name
		}
		if f.LabelEN == "" {
			f.LabelEN = f.Name
		}
	}
	return nil
}

// CheckFields validates a ticket's fields against its type's definitions:
// no unknown field, each value of its kind, every required one present.
// A type defining no fields (the built-in ones) takes any fields, as before.
func CheckFields(typ model.TicketType, fields map[string]string) error {
	if len(typ.Fields) == 0 {
		return nil
	}
	for name := range fields {
		if !slices.ContainsFunc(typ.Fields, func(f model.TicketFieldDef) bool { return f.Name == name }) {
			return errcode.BadFieldValue.With("field %q is not a field of type %s", name, typ.Name)
		}
	}
	for _, f := range typ.Fields {
		v, ok := fields[f.Name]
		if !ok || strings.TrimSpace(v) == "" {
			if f.Required {
				return errcode.BadFieldValue.With("field %q (%s) is required for type %s", f.Name, f.LabelEN, typ.Name)
			}
			continue
		}
		if err := checkValue(f, v); err != nil {
			return err
		}
	}
	return nil
}

func checkValue(f model.TicketFieldDef, v string) error {
	ok := true
	switch f.Kind {
	case "number":
		_, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		ok = err == nil
	case "date":
		_, err := time.Parse(time.DateOnly, v)
		_, err2 := time.Parse(time.RFC3339, v)
		ok = err == nil || err2 == nil
	case "select":
		ok = slices.Contains(f.Options, v)
	}
	if !ok {
		want := map[string]string{"number": "a number", "date": "a date (2006-01-02 or RFC 3339)",
			"select": "one of " + strings.Join(f.Options, ", ")}[f.Kind]
		return errcode.BadFieldValue.With("field %q: %q is not %s", f.Name, v, want)
	}
	return nil
}

// checkTicketFields checks t's fields against its type.
func (s *Service) checkTicketFields(ctx context.Context, t model.Ticket) error {
	typ, err := s.ticketType(ctx, t.Type)
	if err != nil {
		return err
	}
	return CheckFields(typ, t.Fields)
}
