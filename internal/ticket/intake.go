package ticket

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"switchboard/internal/bus"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// joinable are the statuses in which a requester's later messages join a
// ticket instead of starting a new one: it is still being worked on.
func joinable(st model.TicketStatus) bool {
	return open(st) || st == model.TicketConfirmed
}

// OpenTicketOf is the newest ticket raised in m's conversation by m's
// sender that is still being worked on.
func (s *Service) OpenTicketOf(ctx context.Context, st store.TicketLoop, m model.Message) (model.Ticket, bool, error) {
	if m.ConversationID == 0 || m.SenderID == 0 {
		return model.Ticket{}, false, nil
	}
	ts, err := st.ConversationTickets(ctx, m.ConversationID)
	if err != nil {
		return model.Ticket{}, false, err
	}
	for _, t := range ts { // newest first
		if t.Requester.PersonID == m.SenderID && joinable(t.Status) {
			return t, true, nil
		}
	}
	return model.Ticket{}, false, nil
}

// FromRule carries out a rule's ticket action on msg: the message joins
// its sender's open ticket in the conversation, or becomes a new ticket of
// the rule's type (routed and assigned like any new ticket). Both are
// idempotent by message, so the intent may be resolved again after a crash.
func (s *Service) FromRule(ctx context.Context, c Caller, st store.TicketLoop, msg model.Message, req model.TicketRequest) (model.Ticket, error) {
	if open, ok, err := s.OpenTicketOf(ctx, st, msg); err != nil {
		return model.Ticket{}, err
	} else if ok {
		t, _, err := s.Join(ctx, open, msg, c.User.ID)
		return t, err
	}
	title := ""
	if req.Title != "" {
		title = req.Title + "：" + firstLine(msg.Text)
	}
	t, _, err := s.Create(ctx, c, Create{Type: req.Type, Title: title, Category: req.Category, TeamID: req.TeamID,
		Factors: req.Factors, Sources: []int64{msg.ID}})
	return t, err
}

// Join adds msg to ticket t as a source, with a "source" history entry and
// the fields the extractors find in it that t lacks. A reply from the
// requester to a ticket waiting for them moves it back to work. A message
// that already is a source changes nothing (added false).
func (s *Service) Join(ctx context.Context, t model.Ticket, msg model.Message, actorID int64) (model.Ticket, bool, error) {
	src := model.TicketSource{MessageID: msg.ID, ChannelID: msg.ChannelID, ConversationID: msg.ConversationID, AddedBy: actorID}
	for range 5 {
		next, changes, err := s.joined(ctx, t, msg, actorID)
		if err != nil {
			return t, false, err
		}
		saved, added, err := s.Store.AppendTicketSource(ctx, next, src, changes)
		if errors.Is(err, store.ErrStale) {
			if t, err = s.Store.GetTicket(ctx, store.TicketScope{All: true}, t.ID); err != nil {
				return t, false, err
			}
			continue
		}
		if err != nil || !added {
			return saved, false, err
		}
		if saved.Status != t.Status {
			s.publish(ctx, bus.Event{Type: bus.TicketStatusChanged, OrgUnitID: saved.OrgUnitID, Ticket: &saved, From: string(t.Status)})
		} else {
			s.publish(ctx, bus.Event{Type: bus.TicketUpdated, OrgUnitID: saved.OrgUnitID, Ticket: &saved})
		}
		return saved, true, nil
	}
	return t, false, fmt.Errorf("ticket %s: source message %d: changed too often meanwhile: %w", t.Key, msg.ID, store.ErrStale)
}

// joined is t with msg joined and the history entries saying so.
func (s *Service) joined(ctx context.Context, t model.Ticket, msg model.Message, actorID int64) (model.Ticket, []model.TicketChange, error) {
	t.Fields = cloneFields(t.Fields)
	changes := []model.TicketChange{{ActorID: actorID, Field: "source", To: strconv.FormatInt(msg.ID, 10), Note: firstLine(msg.Text)}}
	set, err := s.extract(ctx, &t, msg.Text)
	if err != nil {
		return t, nil, err
	}
	for _, name := range set {
		changes = append(changes, model.TicketChange{ActorID: actorID, Field: "fields." + name, To: t.Fields[name], Note: "extracted"})
	}
	if t.Status == model.TicketWaiting && msg.SenderID != 0 && msg.SenderID == t.Requester.PersonID {
		to, err := s.backToWork(ctx, t)
		if err != nil {
			return t, nil, err
		}
		if to != t.Status {
			changes = append(changes, model.TicketChange{ActorID: actorID, Field: "status", From: string(t.Status), To: string(to),
				Note: "请求人已回复 requester replied"})
			stamp(&t, to, time.Now().UTC())
		}
	}
	return t, changes, nil
}

// backToWork is where a waiting ticket goes when its requester answers:
// in progress, or accepted in flows without it from waiting (requirements).
func (s *Service) backToWork(ctx context.Context, t model.Ticket) (model.TicketStatus, error) {
	typ, err := s.ticketType(ctx, t.Type)
	if err != nil {
		return "", err
	}
	for _, to := range []model.TicketStatus{model.TicketInProgress, model.TicketAccepted} {
		if CheckTransition(typ.Flow, t.Status, to, "requester replied") == nil {
			return to, nil
		}
	}
	return t.Status, nil
}

func cloneFields(f map[string]string) map[string]string {
	out := make(map[string]string, len(f))
	for k, v := range f {
		out[k] = v
	}
	return out
}

// SourceAttachment is a file that came with one of a ticket's messages.
type SourceAttachment struct {
	MessageID int64 `json:"message_id"`
	Index     int   `json:"index"` // GET /api/v1/messages/{message_id}/attachments/{index}
	model.Attachment
}

// attachments lists the files of the source messages the caller may read;
// a message outside their scope (another department's, confidential) is
// left out rather than failing the ticket.
func (s *Service) attachments(ctx context.Context, c Caller, sources []model.TicketSource) ([]SourceAttachment, error) {
	out := []SourceAttachment{}
	for _, src := range sources {
		m, err := s.Store.GetMessage(ctx, c.MessageScope, src.MessageID, 0)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for i, a := range m.Attachments {
			out = append(out, SourceAttachment{MessageID: m.ID, Index: i, Attachment: a})
		}
	}
	return out, nil
}
