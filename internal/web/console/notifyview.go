package console

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/model"
	"switchboard/internal/rules"
	"switchboard/internal/store"
	"switchboard/internal/web/api"
)

// notifyPageSize is how many of the newest notifications the page lists.
const notifyPageSize = 50

// notifRow is one notification as the page shows it.
type notifRow struct {
	ID       int64
	State    model.NotificationState
	StateKey string // its label, a key of messages
	Reason   string // in the reader's language
	When     string
	Stamp    string
	Due      string // RFC 3339, set while held: when it is due to go out
	DueWhen  string
	Msg      *notifMsg // nil when the message is no longer in the reader's scope
	Steps    []stepRow
	Next     []nextHop // where it goes next: the fallbacks still to try, or, while held, the chain
}

// notifMsg is the message a notification is about.
type notifMsg struct {
	ConversationID int64
	Sender         string
	Channel        string
	Excerpt        string
}

// stepRow is one delivery on a notification's path.
type stepRow struct {
	hopView
	State     model.DeliveryState
	StateKey  string
	Attempts  int
	LastError string
	Fallback  bool // made because the step before it gave up
	Reads     []model.DeliveryRead
}

// nextHop is a hop not tried yet; Key labels it (a key of messages).
type nextHop struct {
	hopView
	Key string
}

// hopView is a channel and destination with the channel's name.
type hopView struct {
	Channel     string
	Destination string
}

// notificationRows lists the caller's newest notifications through the
// API's helper, with the messages they are about and their delivery paths.
func (c *Console) notificationRows(r *http.Request, chs []model.Channel) ([]notifRow, error) {
	ns, err := c.api.MyNotifications(r, notifyPageSize)
	if err != nil {
		return nil, err
	}
	var chain []model.NotifyHop
	if len(ns) > 0 {
		s, err := c.api.MyNotifySettings(r)
		if err != nil {
			return nil, err
		}
		chain = s.Chain
	}
	names, lang := channelNames(chs), langOf(r)
	rows := make([]notifRow, 0, len(ns))
	for _, n := range ns {
		msg, err := c.notifMessage(r, n.MessageID, names)
		if err != nil {
			return nil, err
		}
		rows = append(rows, notifyRow(n, msg, chain, names, lang))
	}
	return rows, nil
}

// notifMessage looks the message up in the reader's scope. It reads the
// store like convTitles does rather than through api.GetMessage, which
// audits a refusal: a listing the reader did not ask for is not an attempt
// to read another department's message.
func (c *Console) notifMessage(r *http.Request, id int64, names map[int64]string) (*notifMsg, error) {
	p, _ := auth.From(r.Context())
	m, err := c.api.Store.GetMessage(r.Context(), p.Scope, id, p.User.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &notifMsg{ConversationID: m.ConversationID, Sender: m.SenderName,
		Channel: channelName(names, m.ChannelID), Excerpt: snippet(m)}, nil
}

// notifyRow prepares one notification; chain is the reader's current
// chain, which a held notification will be sent along.
func notifyRow(n api.NotificationView, msg *notifMsg, chain []model.NotifyHop, names map[int64]string, lang string) notifRow {
	row := notifRow{ID: n.ID, State: n.State, StateKey: stateKey("notify.s.", string(n.State)), Reason: reasonText(n.Reason, lang), Msg: msg,
		When: n.CreatedAt.Local().Format("2006-01-02 15:04"), Stamp: n.CreatedAt.UTC().Format(time.RFC3339)}
	if n.State == model.NotificationHeld && !n.DueAt.IsZero() {
		row.DueWhen, row.Due = n.DueAt.Local().Format("2006-01-02 15:04"), n.DueAt.UTC().Format(time.RFC3339)
	}
	for _, d := range n.Deliveries {
		row.Steps = append(row.Steps, stepRow{hopView: hopView{Channel: channelName(names, d.ChannelID), Destination: d.Destination},
			State: d.State, StateKey: stateKey("notify.d.", string(d.State)), Attempts: d.Attempts, LastError: d.LastError, Fallback: d.PrevID != 0, Reads: d.Reads})
	}
	next, first := pendingFallbacks(n.Deliveries), "notify.next"
	if n.State == model.NotificationHeld && len(n.Deliveries) == 0 {
		next, first = chain, "notify.planned"
	}
	for i, h := range next {
		key := "notify.next"
		if i == 0 {
			key = first
		}
		row.Next = append(row.Next, nextHop{hopView: hopView{Channel: channelName(names, h.ChannelID), Destination: h.Destination}, Key: key})
	}
	return row
}

// pendingFallbacks are the hops the last delivery would fall back to: none
// once it was sent, and none once it gave up, because then the store has
// already made the next step.
func pendingFallbacks(ds []model.Delivery) []model.NotifyHop {
	if len(ds) == 0 {
		return nil
	}
	last := ds[len(ds)-1]
	if last.State == model.DeliverySent || last.State == model.DeliveryDead {
		return nil
	}
	return last.Fallback
}

// stateKey is the label key of a state; a state added later without a
// label shows as "unknown" rather than failing the page.
func stateKey(prefix, state string) string {
	if _, ok := messages[LangZH][prefix+state]; ok {
		return prefix + state
	}
	return "notify.unknown"
}

// reasonKeys translate the reasons the notify engine writes. They are
// English text, not codes, so an unknown one is shown as it is.
var reasonKeys = map[string]string{
	"urgent":                             "notify.r.urgent",
	"urgent: breaks through quiet hours": "notify.r.breaks",
	"do not disturb: in the next digest": "notify.r.dnd",
	"no notification channel set":        "notify.r.no_route",
}

// reasonText puts a notification's reason in the reader's language.
func reasonText(reason, lang string) string {
	dict := messages[lang]
	if key, ok := reasonKeys[reason]; ok {
		return dict[key]
	}
	if at, ok := strings.CutPrefix(reason, "quiet hours: held until "); ok {
		return dict["notify.r.quiet"] + at
	}
	if every, ok := strings.CutPrefix(reason, "digest every "); ok {
		if d, err := time.ParseDuration(every); err == nil {
			every = rules.Duration(d).String()
		}
		return dict["notify.r.digest"] + every
	}
	return reason
}
