package console

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/internal/model"
)

// snippetRunes caps the text shown per inbox row; the full text is one click away.
const snippetRunes = 160

// row is one message as a page shows it.
type row struct {
	model.Message
	Channel  string
	Conv     string // conversation title, "" when untitled
	Snippet  string
	Parts    []part // Snippet with the reader's highlight keywords marked (inbox only)
	When     string // server-side rendering of the time; the script localises it
	Stamp    string // RFC 3339, for <time datetime>
	Outbound bool
	Reads    []model.DeliveryRead // read receipts of a message sent from Switchboard
}

// makeRows prepares messages for display.
func makeRows(ms []model.Message, channels, convs map[int64]string) []row {
	rows := make([]row, 0, len(ms))
	for _, m := range ms {
		t := m.SentAt
		if t.IsZero() {
			t = m.ReceivedAt
		}
		rows = append(rows, row{Message: m, Channel: channelName(channels, m.ChannelID), Conv: convs[m.ConversationID],
			Snippet: snippet(m), When: t.Local().Format("2006-01-02 15:04"), Stamp: t.UTC().Format(time.RFC3339),
			Outbound: m.Direction == model.Outbound})
	}
	return rows
}

// channelName falls back to "#id" for a channel outside the listed ones
// (deleted, or visible only through a conversation).
func channelName(channels map[int64]string, id int64) string {
	if n, ok := channels[id]; ok {
		return n
	}
	return "#" + strconv.FormatInt(id, 10)
}

// snippet shortens a message for the inbox; a message with no text shows
// its attachment names so an image or voice note is not a blank row.
func snippet(m model.Message) string {
	s := strings.Join(strings.Fields(m.Text), " ")
	if s == "" {
		names := make([]string, 0, len(m.Attachments))
		for _, a := range m.Attachments {
			names = append(names, a.Name)
		}
		s = strings.Join(names, ", ")
	}
	if utf8.RuneCountInString(s) <= snippetRunes {
		return s
	}
	return string([]rune(s)[:snippetRunes]) + "…"
}

// byteSize formats an attachment size for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}
