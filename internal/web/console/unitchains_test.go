package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/apptest"
)

// TestOrgUnitChainsPage: an admin sets a department's fallback chain on the
// console, sees it stored, and a refused chain is shown again with the
// reason; a member may not open the page.
func TestOrgUnitChainsPage(t *testing.T) {
	n := apptest.Start(t)
	dept := n.CreateOrgUnit(1, "生产部")
	ch := n.CreateWebhook("飞书", dept, "")
	n.CreateUser("li", "member", dept)
	b := newBrowser(t, n)
	b.mustLogin("admin", n.AdminPW)
	st, page := b.get("/notifications/chains")
	if st != http.StatusOK || !strings.Contains(page, "部门通知链") || !strings.Contains(page, "生产部") || !strings.Contains(page, "默认通知链") {
		t.Fatalf("chains page: %d %.2000s", st, page)
	}
	csrf := csrfRE.FindStringSubmatch(page)[1]
	form := func(dest string) url.Values {
		return url.Values{"csrf": {csrf}, "unit": {fmt.Sprint(dept)}, "hop_channel": {fmt.Sprint(ch.ID), ""}, "hop_dest": {dest, ""}}
	}
	st, body := b.post("/notifications/chains", form("oc_prod_group"))
	if st != http.StatusOK || !strings.Contains(body, `value="oc_prod_group"`) {
		t.Errorf("save: %d %.2000s", st, body)
	}
	var got struct {
		Chain []struct {
			ChannelID   int64  `json:"channel_id"`
			Destination string `json:"destination"`
		} `json:"chain"`
	}
	n.Do("GET", fmt.Sprintf("/api/v1/org-units/%d/notify-chain", dept), n.Token, nil, &got)
	if len(got.Chain) != 1 || got.Chain[0].ChannelID != ch.ID || got.Chain[0].Destination != "oc_prod_group" {
		t.Errorf("stored chain = %+v", got)
	}
	bad := form("")
	bad["hop_channel"] = []string{"999999", ""}
	bad["hop_dest"] = []string{"oc_typed", ""}
	if st, body := b.post("/notifications/chains", bad); st != http.StatusBadRequest || !strings.Contains(body, "does not exist") || !strings.Contains(body, `value="oc_typed"`) {
		t.Errorf("refused chain: %d %.2000s", st, body)
	}
	m := newBrowser(t, n)
	m.mustLogin("li", "password-li")
	if st, _ := m.get("/notifications/chains"); st != http.StatusForbidden {
		t.Errorf("member opens the chains page: %d", st)
	}
}
