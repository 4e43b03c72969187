package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/apptest"
)

func TestLoginRejectsWrongCredentialsInChinese(t *testing.T) {
	n := apptest.Start(t)
	for _, tc := range []struct{ name, login, password string }{
		{"wrong password", "admin", "not-the-password"},
		{"unknown user", "nobody", "admin-password-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, body := newBrowser(t, n).login(tc.login, tc.password)
			if st != http.StatusUnauthorized || !strings.Contains(body, "账号或密码错误") {
				t.Fatalf("status %d, body %.400s", st, body)
			}
			if !strings.Contains(body, `action="/login"`) {
				t.Errorf("the sign-in form is not shown again")
			}
		})
	}
}

func TestAnonymousVisitorIsSentToSignIn(t *testing.T) {
	n := apptest.Start(t)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/", "/conversations/1", "/?kind=text"} {
		resp, err := noFollow.Get(n.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Errorf("GET %s: %d to %q, want 303 to /login", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

func TestInboxShowsWebhookMessageInChosenLanguage(t *testing.T) {
	n := apptest.Start(t)
	h := n.CreateWebhook("ERP 工单", 1, "")
	post(t, n, h, webhookMsg("m-1", "c-42", "售后 #42", "王小明", "设备连不上网，<b>请尽快</b>处理"))
	stored(t, n, "设备连不上网，<b>请尽快</b>处理")

	for _, tc := range []struct {
		lang      string
		want, not []string
	}{
		{"", []string{"统一收件箱", `lang="zh-CN"`, "文本", "加星标"}, []string{"Unified inbox"}},
		{"en", []string{"Unified inbox", `lang="en"`, "Text", "Star"}, []string{"统一收件箱", "加星标"}},
		{"zh", []string{"统一收件箱"}, []string{"Unified inbox"}},
	} {
		t.Run("lang="+tc.lang, func(t *testing.T) {
			b := newBrowser(t, n)
			if tc.lang != "" {
				b.setLang(tc.lang)
			}
			b.mustLogin("admin", n.AdminPW)
			st, body := b.get("/")
			common := []string{"王小明", "ERP 工单", "售后 #42", "设备连不上网，&lt;b&gt;请尽快&lt;/b&gt;处理", `href="/conversations/`}
			if st != http.StatusOK {
				t.Fatalf("inbox status %d", st)
			}
			for _, s := range append(common, tc.want...) {
				if !strings.Contains(body, s) {
					t.Errorf("inbox lacks %q", s)
				}
			}
			for _, s := range append(tc.not, "<b>请尽快</b>") {
				if strings.Contains(body, s) {
					t.Errorf("inbox shows %q", s)
				}
			}
		})
	}
}

func TestInboxFilters(t *testing.T) {
	n := apptest.Start(t)
	crm, erp := n.CreateWebhook("CRM", 1, ""), n.CreateWebhook("ERP", 1, "")
	post(t, n, crm, webhookMsg("a", "c1", "", "客户甲", "这个问题很紧急"))
	img := webhookMsg("b", "c2", "", "客户乙", "现场照片")
	img["attachments"] = []map[string]any{{"name": "photo.jpg", "mime": "image/jpeg", "url": "https://example.com/p.jpg"}}
	post(t, n, erp, img)
	stored(t, n, "现场照片")
	stored(t, n, "这个问题很紧急")
	b := newBrowser(t, n)
	b.mustLogin("admin", n.AdminPW)
	for _, tc := range []struct {
		query     string
		want, not string
		status    int
	}{
		{fmt.Sprintf("channel_id=%d", crm.ID), "这个问题很紧急", "现场照片", 200},
		{"kind=image", "现场照片", "这个问题很紧急", 200},
		{"q=" + url.QueryEscape("紧急"), "这个问题很紧急", "现场照片", 200},
		{"q=" + url.QueryEscape("照片"), "现场照片", "这个问题很紧急", 200},
		{"kind=fax", "筛选条件无效", "这个问题很紧急", 400},
	} {
		st, body := b.get("/?" + tc.query)
		if st != tc.status || !strings.Contains(body, tc.want) || strings.Contains(body, tc.not) {
			t.Errorf("/?%s: status %d, has %q: %v, has %q: %v", tc.query, st, tc.want,
				strings.Contains(body, tc.want), tc.not, strings.Contains(body, tc.not))
		}
	}
}

func TestDepartmentMemberSeesOnlyOwnDepartment(t *testing.T) {
	n := apptest.Start(t)
	unitA, unitB := n.CreateOrgUnit(1, "销售部"), n.CreateOrgUnit(1, "财务部")
	hookA, hookB := n.CreateWebhook("销售群", unitA, ""), n.CreateWebhook("财务群", unitB, "")
	post(t, n, hookA, webhookMsg("a-1", "ca", "销售周会", "客户A", "报价单已发"))
	post(t, n, hookB, webhookMsg("b-1", "cb", "预算审批", "客户B", "工资表请保密"))
	msgA, msgB := stored(t, n, "报价单已发"), stored(t, n, "工资表请保密")
	n.CreateUser("alice", "member", unitA)

	b := newBrowser(t, n)
	b.mustLogin("alice", "password-alice")
	for _, path := range []string{"/", fmt.Sprintf("/?org_unit_id=%d", unitB), fmt.Sprintf("/?channel_id=%d", hookB.ID), "/?q=" + url.QueryEscape("工资")} {
		st, body := b.get(path)
		if st != http.StatusOK || strings.Contains(body, "工资表请保密") || strings.Contains(body, "财务群") {
			t.Errorf("GET %s: status %d, shows department B: %v", path, st, strings.Contains(body, "工资表请保密"))
		}
	}
	if _, body := b.get("/"); !strings.Contains(body, "报价单已发") {
		t.Errorf("inbox lacks department A's message")
	}
	st, body := b.get(fmt.Sprintf("/conversations/%d", msgB.ConversationID))
	if st != http.StatusForbidden || !strings.Contains(body, "没有权限") || strings.Contains(body, "工资表请保密") {
		t.Errorf("B's conversation: status %d, body %.300s", st, body)
	}
	st, body = b.get(fmt.Sprintf("/conversations/%d", msgA.ConversationID))
	if st != http.StatusOK || !strings.Contains(body, "报价单已发") {
		t.Fatalf("A's conversation: status %d", st)
	}
	// A valid form token does not open another department's conversation for replies.
	csrf, _ := formTokens(t, body)
	st, body = b.post(fmt.Sprintf("/conversations/%d/reply", msgB.ConversationID), url.Values{"csrf": {csrf}, "text": {"越权回复"}})
	if st != http.StatusForbidden || !strings.Contains(body, "没有权限") {
		t.Errorf("reply in B's conversation: status %d", st)
	}
}

func TestReplyFromConversationPage(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"id":"ext-1"}`)
	}))
	defer receiver.Close()
	n := apptest.Start(t)
	h := n.CreateWebhook("App 客服", 1, receiver.URL)
	post(t, n, h, webhookMsg("in-1", "t-7", "工单 7", "顾客", "屏幕碎了怎么办"))
	conv := fmt.Sprintf("/conversations/%d", stored(t, n, "屏幕碎了怎么办").ConversationID)
	b := newBrowser(t, n)
	b.mustLogin("admin", n.AdminPW)
	_, page := b.get(conv)
	csrf, idem := formTokens(t, page)

	for _, tc := range []struct{ name, token string }{{"no token", ""}, {"foreign token", strings.Repeat("0", 64)}} {
		st, body := b.post(conv+"/reply", url.Values{"csrf": {tc.token}, "text": {"伪造的回复"}})
		if st != http.StatusForbidden || !strings.Contains(body, "表单已失效") {
			t.Errorf("%s: status %d, want 403 page", tc.name, st)
		}
	}
	if st, _ := b.post(conv+"/reply", url.Values{"csrf": {csrf}, "text": {"  "}, "idem": {idem}}); st != http.StatusBadRequest {
		t.Errorf("empty reply: status %d, want 400", st)
	}
	// The same form posted twice (double click) is one reply.
	for range 2 {
		if st, body := b.post(conv+"/reply", url.Values{"csrf": {csrf}, "text": {"已为您安排换屏"}, "idem": {idem}}); st != http.StatusOK {
			t.Fatalf("reply: status %d, body %.300s", st, body)
		}
	}
	_, body := b.get(conv)
	if !strings.Contains(body, `class="bubble out"`) || strings.Count(body, "已为您安排换屏") != 1 {
		t.Errorf("conversation does not show the reply once as outbound: %.2000s", body)
	}
	if !strings.Contains(body, `class="bubble in"`) || strings.Contains(body, "伪造的回复") {
		t.Errorf("conversation shows a forged reply or lost the inbound message")
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	n := apptest.Start(t)
	b := newBrowser(t, n)
	b.mustLogin("admin", n.AdminPW)
	_, inbox := b.get("/")
	csrf := csrfRE.FindStringSubmatch(inbox)
	if csrf == nil {
		t.Fatal("no logout form")
	}
	if st, body := b.post("/logout", url.Values{"csrf": {csrf[1]}}); st != http.StatusOK || !strings.Contains(body, `action="/login"`) {
		t.Fatalf("logout: status %d", st)
	}
	if _, body := b.get("/"); !strings.Contains(body, `action="/login"`) {
		t.Errorf("inbox still open after logout")
	}
}

func TestAttachmentsLinkToTheAPI(t *testing.T) {
	n := apptest.Start(t)
	h := n.CreateWebhook("Mail", 1, "")
	m := webhookMsg("f-1", "mail-1", "合同", "法务", "合同见附件")
	m["attachments"] = []map[string]any{{"name": "合同.pdf", "mime": "application/pdf", "data": "JVBERi0xLjQK"}}
	post(t, n, h, m)
	msg := stored(t, n, "合同见附件")
	b := newBrowser(t, n)
	b.mustLogin("admin", n.AdminPW)
	_, body := b.get(fmt.Sprintf("/conversations/%d", msg.ConversationID))
	link := fmt.Sprintf(`href="/api/v1/messages/%d/attachments/0"`, msg.ID)
	if !strings.Contains(body, link) || !strings.Contains(body, "合同.pdf") {
		t.Fatalf("conversation lacks attachment link %s", link)
	}
	if st, data := b.get(fmt.Sprintf("/api/v1/messages/%d/attachments/0", msg.ID)); st != 200 || data != "%PDF-1.4\n" {
		t.Errorf("attachment download: %d %q", st, data)
	}
}
