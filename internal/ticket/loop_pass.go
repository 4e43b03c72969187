package ticket

import (
	"context"
	"errors"
	"sync"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// The conversation pass: what requesters write in conversations with live
// tickets — "进度", a rating, "没解决", or anything else, which joins their
// open ticket — is read from the stored messages after a durable cursor,
// not from memory, so a crash between the intake commit and the answer
// loses nothing. Every effect is idempotent (answers are keyed by message,
// a source is added once, a rating or reopen applies to the resolution
// before the message only), so a pass repeated after a crash, or run by
// every node at once, repeats nothing.

// chatGrace is how long after a message id is first seen the pass still
// looks below it: on PostgreSQL ids are handed out before commit, so a
// slower transaction may commit a lower id after a higher one is visible.
const chatGrace = 2 * time.Second

// chatBatch bounds the messages one pass reads.
const chatBatch = 500

// chatGap spaces passes while messages pour in (every commit wakes the
// pass): at most a few queries a second, whatever the ingest rate.
const chatGap = 50 * time.Millisecond

// chatAdvanceEvery spaces the cursor's writes; a cursor behind only means
// a restarted node looks at a few handled messages again, which is harmless.
const chatAdvanceEvery = time.Second

type chatMark struct {
	at time.Time
	id int64
}

// chatState is this node's progress above the durable cursor.
type chatState struct {
	mu       sync.Mutex
	wake     chan struct{}
	marks    []chatMark     // (when seen, highest message id then), oldest first
	done     map[int64]bool // handled here, above the cursor
	advanced time.Time      // when this node last wrote the cursor
	Grace    time.Duration  // chatGrace unless a test shortens it
}

func newChatState() *chatState {
	return &chatState{wake: make(chan struct{}, 1), done: map[int64]bool{}, Grace: chatGrace}
}

// safe records the highest id seen now and returns the highest id seen at
// least Grace ago: every message up to it is committed.
func (c *chatState) safe(now time.Time, last, cursor int64) int64 {
	c.marks = append(c.marks, chatMark{now, last})
	safe, keep := cursor, 0
	for i, m := range c.marks {
		if now.Sub(m.at) >= c.Grace {
			safe, keep = max(safe, m.id), i
		}
	}
	c.marks = c.marks[keep:]
	return safe
}

// WakeChat asks for a conversation pass now.
func (l *Loop) WakeChat() {
	select {
	case l.chat.wake <- struct{}{}:
	default:
	}
}

func (l *Loop) runChat(ctx context.Context) {
	t := time.NewTicker(l.PollEvery)
	defer t.Stop()
	for {
		more, err := l.Converse(ctx)
		if err != nil && ctx.Err() == nil {
			l.Log.Warn("ticket conversation pass", "err", err)
		}
		if more {
			l.WakeChat()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(chatGap):
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-l.chat.wake:
		}
	}
}

// Converse handles the messages after the cursor in conversations with
// live tickets, then moves the cursor up to what is handled and surely
// committed. more reports a full batch (call again).
func (l *Loop) Converse(ctx context.Context) (more bool, err error) {
	c := l.chat
	c.mu.Lock()
	defer c.mu.Unlock()
	last, err := l.St.LastMessageID(ctx)
	if err != nil {
		return false, err
	}
	cursor, err := l.St.TicketChatCursor(ctx)
	if err != nil {
		return false, err
	}
	upTo := c.safe(time.Now(), last, cursor)
	msgs, err := l.St.TicketChatMessages(ctx, cursor, time.Now().Add(-ratingWindow), chatBatch)
	if err != nil {
		return false, err
	}
	for _, m := range msgs {
		if c.done[m.ID] {
			continue
		}
		if err := l.hear(ctx, m); err != nil && !errors.Is(err, store.ErrNotFound) {
			l.Log.Warn("ticket conversation: message not handled; retried", "message", m.ID, "err", err)
			upTo = min(upTo, m.ID-1)
			break
		}
		c.done[m.ID] = true
	}
	if len(msgs) == chatBatch {
		upTo = min(upTo, msgs[len(msgs)-1].ID)
	}
	full := len(msgs) == chatBatch
	if upTo <= cursor || (!full && time.Since(c.advanced) < chatAdvanceEvery) {
		return full, nil
	}
	c.advanced = time.Now()
	for id := range c.done {
		if id <= upTo {
			delete(c.done, id)
		}
	}
	return full, l.St.AdvanceTicketChatCursor(ctx, upTo)
}

// hear handles one message of a conversation with live tickets: a chat
// command is answered; anything else from the requester of an open ticket
// there joins it.
func (l *Loop) hear(ctx context.Context, m model.Message) error {
	if a, score := classify(m.Text); a != askNone {
		return l.answer(ctx, m, a, score)
	}
	t, ok, err := l.Svc.OpenTicketOf(ctx, l.St, m)
	if err != nil || !ok {
		return err
	}
	_, _, err = l.Svc.Join(ctx, t, m, 0)
	return err
}
