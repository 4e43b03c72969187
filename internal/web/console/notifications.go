package console

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/errcode"
	"switchboard/internal/model"
	"switchboard/internal/notify"
	"switchboard/internal/rules"
)

// maxSettingsForm bounds a settings form post.
const maxSettingsForm = 64 << 10

// minHopRows is how many channel rows the form offers at least: a preferred
// channel and two fallbacks.
const minHopRows = 3

// digestChoices are the personal digest intervals the form offers; "" keeps
// the interval the rule asks for.
var digestChoices = []string{"", "30m", "1h", "2h", "4h"}

// zoneChoices are suggested in the time zone field; any IANA name is accepted.
var zoneChoices = []string{notify.DefaultTZ, "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo",
	"Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "UTC"}

// notifyPage is the notifications template's data.
type notifyPage struct {
	Items    []notifRow
	Form     settingsForm
	Channels []model.Channel // what a chain row may pick
	Digests  []digestOption
	Zones    []string
	Saved    bool
	Error    string // detail of refused settings
}

// settingsForm is the settings form as shown: the stored settings, or what
// the user typed when saving failed.
type settingsForm struct {
	Hops       []model.NotifyHop // rows with ChannelID 0 and no destination are blank
	QuietFrom  string
	QuietTo    string
	TZ         string
	DND        bool
	Digest     string // a duration such as "30m"; "" for the rule's
	Highlights string // one keyword a line
}

// digestOption is one choice of the digest select; Key names a fixed
// choice's label, Label is a stored value the fixed ones lack.
type digestOption struct {
	Value, Key, Label string
}

func (c *Console) notificationsView(w http.ResponseWriter, r *http.Request) {
	s, err := c.api.MyNotifySettings(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	page := notifyPage{Form: formOf(s), Saved: r.URL.Query().Get("saved") == "1"}
	c.showNotifications(w, r, http.StatusOK, page)
}

// showNotifications fills in the list and the form's choices and renders.
func (c *Console) showNotifications(w http.ResponseWriter, r *http.Request, status int, page notifyPage) {
	chs, err := c.visibleChannels(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	page.Channels = withChainChannels(chs, page.Form.Hops)
	if page.Items, err = c.notificationRows(r, chs); err != nil {
		c.fail(w, r, err)
		return
	}
	page.Digests, page.Zones = digestOptions(page.Form.Digest), zoneChoices
	for len(page.Form.Hops) < minHopRows {
		page.Form.Hops = append(page.Form.Hops, model.NotifyHop{})
	}
	c.render(w, r, status, "notifications", view{Title: "notify.title", Path: "/notifications", Page: page})
}

// saveSettings stores the form through the API's helper, then goes back to
// the page (post/redirect/get). Refused settings are shown again as typed,
// with the reason, and nothing is stored.
func (c *Console) saveSettings(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSettingsForm)
	if !checkCSRF(r) {
		p, _ := auth.From(r.Context())
		c.api.Audit.Deny(r, "notify_settings.update", "user:"+strconv.FormatInt(p.User.ID, 10), "console form without a valid CSRF token")
		c.problem(w, r, http.StatusForbidden, "csrf")
		return
	}
	form := readSettingsForm(r)
	s, err := form.settings()
	if err == nil {
		_, err = c.api.SetMyNotifySettings(r, s)
	}
	if err != nil {
		if !errors.Is(err, errcode.InvalidRequest) {
			c.fail(w, r, err)
			return
		}
		c.showNotifications(w, r, http.StatusBadRequest, notifyPage{Form: form, Error: errcode.From(err).Detail})
		return
	}
	http.Redirect(w, r, "/notifications?saved=1#settings", http.StatusSeeOther)
}

// formOf shows stored settings in the form; an unset zone shows the default
// it stands for, and one more blank row leaves room for another fallback.
func formOf(s model.NotifySettings) settingsForm {
	f := settingsForm{Hops: append(slices.Clone(s.Chain), model.NotifyHop{}), QuietFrom: s.QuietFrom, QuietTo: s.QuietTo,
		TZ: s.TZ, DND: s.DND, Highlights: strings.Join(s.Highlights, "\n")}
	if f.TZ == "" {
		f.TZ = notify.DefaultTZ
	}
	if s.DigestEvery > 0 {
		f.Digest = rules.Duration(s.DigestEvery).String()
	}
	return f
}

// readSettingsForm reads the post as typed, so a refusal can show it again.
func readSettingsForm(r *http.Request) settingsForm {
	f := settingsForm{QuietFrom: strings.TrimSpace(r.PostFormValue("quiet_from")),
		QuietTo: strings.TrimSpace(r.PostFormValue("quiet_to")), TZ: strings.TrimSpace(r.PostFormValue("tz")),
		DND: r.PostFormValue("dnd") != "", Digest: r.PostFormValue("digest_every"),
		Highlights: r.PostFormValue("highlights")}
	chans, dests := r.PostForm["hop_channel"], r.PostForm["hop_dest"]
	for i := range max(len(chans), len(dests)) {
		var hop model.NotifyHop
		if i < len(chans) {
			hop.ChannelID, _ = strconv.ParseInt(chans[i], 10, 64)
		}
		if i < len(dests) {
			hop.Destination = strings.TrimSpace(dests[i])
		}
		f.Hops = append(f.Hops, hop)
	}
	return f
}

// settings turns the form into settings for the API to validate. Blank
// rows are skipped; a half-filled one goes through, so the API names it.
func (f settingsForm) settings() (model.NotifySettings, error) {
	s := model.NotifySettings{Chain: []model.NotifyHop{}, QuietFrom: f.QuietFrom, QuietTo: f.QuietTo, TZ: f.TZ,
		DND: f.DND, Highlights: splitKeywords(f.Highlights)}
	for _, hop := range f.Hops {
		if hop.ChannelID != 0 || hop.Destination != "" {
			s.Chain = append(s.Chain, hop)
		}
	}
	if f.Digest != "" {
		d, err := time.ParseDuration(f.Digest)
		if err != nil {
			return s, errcode.InvalidRequest.With("digest_every: %q is not a duration", f.Digest)
		}
		s.DigestEvery = d
	}
	return s, nil
}

// digestOptions are the fixed choices, plus the current value when it is
// none of them (set through the API), so saving the form keeps it.
func digestOptions(current string) []digestOption {
	out := make([]digestOption, 0, len(digestChoices)+1)
	known := false
	for _, v := range digestChoices {
		key := "notify.digest.default"
		if v != "" {
			key = "notify.digest." + v
		}
		out = append(out, digestOption{Value: v, Key: key})
		known = known || v == current
	}
	if !known {
		out = append(out, digestOption{Value: current, Label: current})
	}
	return out
}

// withChainChannels adds the chain's channels the caller cannot list (an
// admin may have set them), so the form shows and keeps them.
func withChainChannels(chs []model.Channel, hops []model.NotifyHop) []model.Channel {
	listed := channelNames(chs)
	for _, h := range hops {
		if _, ok := listed[h.ChannelID]; !ok && h.ChannelID != 0 {
			listed[h.ChannelID] = ""
			chs = append(chs, model.Channel{ID: h.ChannelID, Name: channelName(nil, h.ChannelID)})
		}
	}
	return chs
}
