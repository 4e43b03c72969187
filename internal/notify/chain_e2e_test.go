package notify_test

import (
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"switchboard/internal/apptest"
)

// hop is a chain entry as the API takes it.
func hop(ch int64, dest string) map[string]any {
	return map[string]any{"channel_id": ch, "destination": dest}
}

// TestFallbackChainPerOrgUnit: a recipient without a chain of their own is
// reached through the nearest org unit's chain up the tree, and failing
// that the default chain; their own chain wins over both, and a rule's via
// orders whichever applies. People sharing a unit's chain get one send.
func TestFallbackChainPerOrgUnit(t *testing.T) {
	n := apptest.Start(t)
	prod := n.CreateOrgUnit(1, "生产部")
	shop := n.CreateOrgUnit(prod, "一车间")
	qa := n.CreateOrgUnit(1, "质量部")
	erp := n.CreateWebhook("ERP", 1, "")
	platform := newInbox(t)
	feishu := n.CreateWebhook("飞书", shop, platform.srv.URL)
	mail := n.CreateWebhook("邮件", shop, platform.srv.URL)
	_, own := n.CreateUser("wang", "dept_head", shop)
	n.CreateUser("li", "dept_head", shop)
	n.CreateUser("zhao", "dept_head", shop)
	n.CreateUser("qian", "dept_head", qa)
	if st := n.Do("PUT", "/api/v1/me/notify-settings", own, map[string]any{"chain": []any{hop(feishu.ID, "ou_wang")}}, nil); st != http.StatusOK {
		t.Fatalf("own settings: %d", st)
	}
	for path, chain := range map[string][]any{
		fmt.Sprintf("/api/v1/org-units/%d/notify-chain", prod): {hop(mail.ID, "prod-duty@corp"), hop(feishu.ID, "oc_prod_group")},
		"/api/v1/notify-chain":                                 {hop(mail.ID, "ops@corp")},
	} {
		if st := n.Do("PUT", path, n.Token, map[string]any{"chain": chain}, nil); st != http.StatusOK {
			t.Fatalf("PUT %s: %d", path, st)
		}
	}
	rule := map[string]any{"name": "停机", "conditions": map[string]any{"keywords": map[string]any{"any": []string{"停机"}}},
		"actions": map[string]any{"urgent": true, "via": []int64{feishu.ID},
			"route_to": map[string]any{"role": "dept_head", "org_unit_id": shop}}}
	rule2 := map[string]any{"name": "质量", "conditions": map[string]any{"keywords": map[string]any{"any": []string{"停机"}}},
		"actions": map[string]any{"urgent": true, "route_to": map[string]any{"role": "dept_head", "org_unit_id": qa}}}
	for _, r := range []map[string]any{rule, rule2} {
		if st := n.Do("POST", "/api/v1/rules", n.Token, r, nil); st != http.StatusCreated {
			t.Fatalf("create rule: %d", st)
		}
	}
	n.Post(erp, apptest.NewMessage("m1", "line", "李四", "三号线停机"))
	apptest.WaitFor(t, 3*time.Second, "three sends", func() bool { return len(platform.messages()) >= 3 })
	time.Sleep(200 * time.Millisecond) // a fourth (a second send to the shared group) would show by now
	var dests []string
	for _, m := range platform.messages() {
		dests = append(dests, m.Conversation.ID)
	}
	sort.Strings(dests)
	// wang: own chain. li and zhao: 生产部's chain found up the tree from
	// 一车间, ordered by the rule's via (Feishu first), sent once for both.
	// qian: 质量部 has none, so the default chain.
	if want := []string{"oc_prod_group", "ops@corp", "ou_wang"}; fmt.Sprint(dests) != fmt.Sprint(want) {
		t.Errorf("sent to %v, want %v", dests, want)
	}
}

// TestUnitChainAPIIsAdminOnlyAndValidated: only admins read or set unit
// chains; a chain through an unknown channel or for an unknown unit is
// refused; an empty chain removes it.
func TestUnitChainAPIIsAdminOnlyAndValidated(t *testing.T) {
	n := apptest.Start(t)
	dept := n.CreateOrgUnit(1, "生产部")
	feishu := n.CreateWebhook("飞书", 1, "http://127.0.0.1:1")
	_, member := n.CreateUser("li", "member", dept)
	path := fmt.Sprintf("/api/v1/org-units/%d/notify-chain", dept)
	body := map[string]any{"chain": []any{hop(feishu.ID, "oc_group")}}
	for _, c := range []struct {
		method, path, token string
		body                any
		want                int
	}{
		{"PUT", path, member, body, http.StatusForbidden},
		{"GET", path, member, nil, http.StatusForbidden},
		{"PUT", path, n.Token, map[string]any{"chain": []any{hop(9999, "x")}}, http.StatusBadRequest},
		{"PUT", path, n.Token, map[string]any{"chain": []any{hop(feishu.ID, "")}}, http.StatusBadRequest},
		{"PUT", "/api/v1/org-units/9999/notify-chain", n.Token, body, http.StatusNotFound},
		{"PUT", path, n.Token, body, http.StatusOK},
	} {
		if st := n.Do(c.method, c.path, c.token, c.body, nil); st != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, st, c.want)
		}
	}
	var got struct {
		Chain []struct {
			Destination string `json:"destination"`
		} `json:"chain"`
	}
	if n.Do("GET", path, n.Token, nil, &got); len(got.Chain) != 1 || got.Chain[0].Destination != "oc_group" {
		t.Errorf("stored chain = %+v", got)
	}
	n.Do("PUT", path, n.Token, map[string]any{"chain": []any{}}, nil)
	if n.Do("GET", path, n.Token, nil, &got); len(got.Chain) != 0 {
		t.Errorf("emptied chain = %+v", got)
	}
}
