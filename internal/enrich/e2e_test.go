package enrich_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/model"
	simdingtalk "switchboard/internal/simulator/dingtalk"
	simfeishu "switchboard/internal/simulator/feishu"
	"switchboard/internal/web/api"
)

// platforms is a node with one Feishu and one DingTalk channel, each on
// its simulator.
type platforms struct {
	n      *apptest.Node
	fs     *simfeishu.Server
	ds     *simdingtalk.Server
	fcb    *simfeishu.Callbacks
	dcb    *simdingtalk.Callbacks
	fc, dc int64 // channel ids
}

func start(t *testing.T) *platforms {
	p := &platforms{n: apptest.Start(t)}
	p.fs = simfeishu.NewServer(simfeishu.Config{AppID: "cli_people", AppSecret: "f-secret"})
	fsrv := httptest.NewServer(p.fs)
	t.Cleanup(fsrv.Close)
	p.ds = simdingtalk.NewServer(simdingtalk.Config{AppKey: "dingpeople", AppSecret: "d-secret"})
	dsrv := httptest.NewServer(p.ds)
	t.Cleanup(dsrv.Close)
	p.ds.SetURL(dsrv.URL)
	p.fc = p.channel(t, "feishu", map[string]string{"app_id": "cli_people", "app_secret": "f-secret",
		"verification_token": "vt", "encrypt_key": "ek", "base_url": fsrv.URL})
	p.dc = p.channel(t, "dingtalk", map[string]string{"app_key": "dingpeople", "app_secret": "d-secret",
		"base_url": dsrv.URL, "oapi_base_url": dsrv.URL})
	p.fcb = &simfeishu.Callbacks{URL: fmt.Sprintf("%s/hooks/feishu/%d", p.n.URL, p.fc), AppID: "cli_people",
		VerificationToken: "vt", EncryptKey: "ek", Server: p.fs}
	p.dcb = &simdingtalk.Callbacks{URL: fmt.Sprintf("%s/hooks/dingtalk/%d", p.n.URL, p.dc), AppSecret: "d-secret",
		RobotCode: "dingpeople", Server: p.ds}
	return p
}

func (p *platforms) channel(t *testing.T, kind string, settings map[string]string) int64 {
	var ch struct {
		ID int64 `json:"id"`
	}
	if st := p.n.Do("POST", "/api/v1/channels", p.n.Token, map[string]any{"kind": kind, "name": kind + " 渠道",
		"org_unit_id": 1, "settings": settings}, &ch); st != http.StatusCreated {
		t.Fatalf("create %s channel: %d", kind, st)
	}
	return ch.ID
}

func (p *platforms) feishu(t *testing.T, m simfeishu.Message) {
	t.Helper()
	if a, err := p.fcb.Post(context.Background(), p.fcb.MessageReceived(m)); err != nil || a.Status != http.StatusOK {
		t.Fatalf("feishu callback: %+v %v", a, err)
	}
}

func (p *platforms) dingtalk(t *testing.T, m simdingtalk.Message) {
	t.Helper()
	if a, err := p.dcb.Post(context.Background(), p.dcb.Message(m)); err != nil || a.Status != http.StatusOK {
		t.Fatalf("dingtalk callback: %+v %v", a, err)
	}
}

// message waits for the message with external id ext and returns it.
func (p *platforms) message(t *testing.T, ext string) model.Message {
	t.Helper()
	var found model.Message
	apptest.WaitFor(t, 5*time.Second, "message "+ext, func() bool {
		var page struct{ Items []model.Message }
		p.n.Do("GET", "/api/v1/messages?limit=500", p.n.Token, nil, &page)
		for _, m := range page.Items {
			if m.ExternalID == ext {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

func (p *platforms) person(id int64, token string) (api.PersonView, int) {
	var v api.PersonView
	st := p.n.Do("GET", fmt.Sprintf("/api/v1/people/%d", id), token, nil, &v)
	return v, st
}

// get fetches a page or file with a bearer token.
func (p *platforms) get(t *testing.T, path, token string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", p.n.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Cookie", "lang=en")
	resp, err := p.n.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// A Feishu user and a DingTalk user whose platforms vouch for the same
// enterprise email become one person with two identities after their
// first messages, and the person page shows both messages.
func TestSameVerifiedEmailLinksFeishuAndDingTalk(t *testing.T) {
	p := start(t)
	p.fs.AddUser(simfeishu.User{OpenID: "ou_zhang", Name: "张三", EnterpriseEmail: "zhang.san@acme.example",
		Mobile: "+8613800000001", DepartmentIDs: []string{"od_sales"}})
	p.fs.AddDepartment("od_sales", "销售部")
	p.ds.AddUser(simdingtalk.User{UserID: "zhangsan", Name: "张三", OrgEmail: "Zhang.San@acme.example", Mobile: "13800000002"})
	p.feishu(t, simfeishu.Message{MessageID: "om_zhang_1", ChatID: "oc_sales", Sender: simfeishu.UserID{OpenID: "ou_zhang"},
		Text: "飞书：合同已发"})
	p.dingtalk(t, simdingtalk.Message{MsgID: "msgZhang1==", SenderStaffID: "zhangsan", SenderNick: "张三（钉钉）", Text: "钉钉：请查收"})
	fm, dm := p.message(t, "om_zhang_1"), p.message(t, "msgZhang1==")

	var v api.PersonView
	apptest.WaitFor(t, 10*time.Second, "the two identities linked", func() bool {
		v, _ = p.person(dm.SenderID, p.n.Token)
		return len(v.Identities) == 2
	})
	if v.Person.ID != fm.SenderID || v.Person.Name != "张三" || v.Person.Email != "zhang.san@acme.example" ||
		v.Person.Department != "销售部" || v.Person.Mobile != "+8613800000001" {
		t.Errorf("person = %+v", v.Person)
	}
	kinds := map[string]model.Identity{}
	for _, i := range v.Identities {
		kinds[i.ChannelKind] = i.Identity
	}
	if kinds["feishu"].ExternalID != "ou_zhang" || kinds["dingtalk"].ExternalID != "zhangsan" || !kinds["dingtalk"].EmailVerified ||
		kinds["dingtalk"].Mobile != "+8613800000002" || kinds["feishu"].ProfileState != model.ProfileDone {
		t.Errorf("identities = %+v", v.Identities)
	}

	var people struct{ Items []model.Person }
	if p.n.Do("GET", "/api/v1/people?q=ZHANG.SAN", p.n.Token, nil, &people); len(people.Items) != 1 || people.Items[0].ID != fm.SenderID {
		t.Errorf("people matching the email = %+v; want the one linked person", people.Items)
	}
	_, member := p.n.CreateUser("colleague", "member", 1)
	if seen, st := p.person(fm.SenderID, member); st != http.StatusOK || seen.Person.Mobile != "+86138****0001" {
		t.Errorf("a member sees the mobile as %q (%d); want it masked", seen.Person.Mobile, st)
	}

	var page struct{ Items []model.Message }
	p.n.Do("GET", fmt.Sprintf("/api/v1/messages?person_id=%d", dm.SenderID), p.n.Token, nil, &page)
	if len(page.Items) != 2 || page.Items[0].ID != dm.ID || page.Items[1].ID != fm.ID {
		t.Errorf("the person's messages = %+v", page.Items)
	}
	resp, body := p.get(t, fmt.Sprintf("/people/%d", fm.SenderID), p.n.Token)
	html := string(body)
	for _, want := range []string{"张三", "销售部", "zhang.san@acme.example", "ou_zhang", "zhangsan", "Feishu", "DingTalk",
		"飞书：合同已发", "钉钉：请查收", fmt.Sprintf(`href="/conversations/%d"`, dm.ConversationID)} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(html, want) {
			t.Errorf("person page (%d) lacks %q", resp.StatusCode, want)
		}
	}
	_, conv := p.get(t, fmt.Sprintf("/conversations/%d", dm.ConversationID), p.n.Token)
	if !strings.Contains(string(conv), fmt.Sprintf(`href="/people/%d"`, dm.SenderID)) {
		t.Error("the conversation's sender name does not link to the person page")
	}
}

// An admin links two identities the platforms cannot match and unlinks
// them again, both audited; a member is refused with 403 SB-3003.
func TestAdminLinksAndUnlinksIdentities(t *testing.T) {
	p := start(t)
	p.feishu(t, simfeishu.Message{MessageID: "om_wang", Sender: simfeishu.UserID{OpenID: "ou_wang"}, Text: "hi"})
	p.dingtalk(t, simdingtalk.Message{MsgID: "msgWang==", SenderStaffID: "wang5", SenderNick: "王五", Text: "hello"})
	fm, dm := p.message(t, "om_wang"), p.message(t, "msgWang==")
	other, _ := p.person(dm.SenderID, p.n.Token)
	if len(other.Identities) != 1 {
		t.Fatalf("before linking: %+v", other)
	}
	body := map[string]any{"identity_id": other.Identities[0].ID}
	_, memberToken := p.n.CreateUser("member1", "member", 1)
	var e struct{ Error struct{ Code string } }
	if st := p.n.Do("POST", fmt.Sprintf("/api/v1/people/%d/identities", fm.SenderID), memberToken, body, &e); st != http.StatusForbidden ||
		e.Error.Code != "SB-3003" {
		t.Errorf("a member links: %d %+v", st, e)
	}
	var linked api.PersonView
	if st := p.n.Do("POST", fmt.Sprintf("/api/v1/people/%d/identities", fm.SenderID), p.n.Token, body, &linked); st != http.StatusOK ||
		len(linked.Identities) != 2 || !linked.Person.Manual {
		t.Fatalf("admin link: %d %+v", st, linked)
	}
	if v, _ := p.person(dm.SenderID, p.n.Token); v.Person.ID != fm.SenderID || len(v.Identities) != 2 {
		t.Errorf("the DingTalk sender after linking = %+v", v)
	}
	path := fmt.Sprintf("/api/v1/people/%d/identities/%d", fm.SenderID, other.Identities[0].ID)
	if st := p.n.Do("DELETE", path, memberToken, nil, &e); st != http.StatusForbidden || e.Error.Code != "SB-3003" {
		t.Errorf("a member unlinks: %d %+v", st, e)
	}
	var unlinked api.PersonView
	if st := p.n.Do("DELETE", path, p.n.Token, nil, &unlinked); st != http.StatusOK || len(unlinked.Identities) != 1 {
		t.Errorf("admin unlink: %d %+v", st, unlinked)
	}
	if st := p.n.Do("DELETE", path, p.n.Token, nil, &e); st != http.StatusNotFound {
		t.Errorf("unlink again: %d %+v", st, e)
	}
	wantAudit(t, p.n, map[string]int{"person.link/true": 1, "person.link/false": 1, "person.unlink/true": 1, "person.unlink/false": 1})
}

func wantAudit(t *testing.T, n *apptest.Node, want map[string]int) {
	t.Helper()
	var page struct{ Items []model.AuditEntry }
	n.Do("GET", "/api/v1/audit?limit=200", n.Token, nil, &page)
	got := map[string]int{}
	for _, e := range page.Items {
		if strings.HasPrefix(e.Action, "person.") {
			got[fmt.Sprintf("%s/%t", e.Action, e.Allowed)]++
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("audit %s: %d entries, want %d (all: %v)", k, got[k], v, got)
		}
	}
}

// An image sent on Feishu and one sent on DingTalk are fetched from the
// platforms after the commit, stored sealed, and downloadable.
func TestImageBytesAreFetchedAndDownloadable(t *testing.T) {
	p := start(t)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("pixels"), 100)...)
	jpeg := append([]byte("\xff\xd8\xff\xe0"), bytes.Repeat([]byte("jfif"), 100)...)
	p.fs.AddResource("om_img_1", "img_v2_abc", "image", "image/png", png)
	p.ds.AddFile("dl-code-1", "image/jpeg", jpeg)
	p.feishu(t, simfeishu.Message{MessageID: "om_img_1", MessageType: "image", Content: `{"image_key":"img_v2_abc"}`})
	p.dingtalk(t, simdingtalk.Message{MsgID: "msgImg1==", MsgType: "picture", Content: simdingtalk.Picture("dl-code-1")})
	for _, c := range []struct {
		ext  string
		data []byte
		mime string
	}{{"om_img_1", png, "image/png"}, {"msgImg1==", jpeg, "image/jpeg"}} {
		m := p.message(t, c.ext)
		apptest.WaitFor(t, 10*time.Second, "the bytes of "+c.ext, func() bool {
			var got model.Message
			p.n.Do("GET", fmt.Sprintf("/api/v1/messages/%d", m.ID), p.n.Token, nil, &got)
			return len(got.Attachments) == 1 && got.Attachments[0].BlobID != ""
		})
		resp, body := p.get(t, fmt.Sprintf("/api/v1/messages/%d/attachments/0", m.ID), p.n.Token)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, c.data) || resp.Header.Get("Content-Type") != c.mime {
			t.Errorf("%s download: %d %s, %d bytes", c.ext, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
		wantSealed(t, p.n, c.data)
	}
	// A file DingTalk no longer has: no redirect to a reference that needs
	// the app's token, but a clear "not downloaded".
	p.dingtalk(t, simdingtalk.Message{MsgID: "msgGone==", MsgType: "file", Content: simdingtalk.File("旧文件.pdf", "dl-expired")})
	gone := p.message(t, "msgGone==")
	var e struct{ Error struct{ Code string } }
	if st := p.n.Do("GET", fmt.Sprintf("/api/v1/messages/%d/attachments/0", gone.ID), p.n.Token, nil, &e); st != http.StatusServiceUnavailable ||
		e.Error.Code != "SB-5002" {
		t.Errorf("an attachment not downloaded: %d %+v", st, e)
	}
}

// wantSealed checks that no blob file holds data in the clear.
func wantSealed(t *testing.T, n *apptest.Node, data []byte) {
	t.Helper()
	files := 0
	filepath.Walk(filepath.Join(n.App.Cfg.DataDir, "blobs"), func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files++
			if raw, _ := os.ReadFile(path); bytes.Contains(raw, data[:16]) {
				t.Errorf("blob %s is stored in the clear", path)
			}
		}
		return nil
	})
	if files == 0 {
		t.Error("no blob stored")
	}
}

// Without the contact permission the message is still stored, the person
// keeps the callback's name, and the refusal is counted.
func TestLookupDeniedKeepsTheCallbackName(t *testing.T) {
	p := start(t)
	p.ds.DenyContact(true)
	p.fs.DenyContact(simfeishu.CodeScopeDenied)
	p.ds.AddUser(simdingtalk.User{UserID: "zhao6", Name: "赵六（通讯录）", OrgEmail: "zhao@acme.example"})
	p.dingtalk(t, simdingtalk.Message{MsgID: "msgZhao==", SenderStaffID: "zhao6", SenderNick: "赵六", Text: "没有通讯录权限"})
	p.feishu(t, simfeishu.Message{MessageID: "om_sun", Sender: simfeishu.UserID{OpenID: "ou_sun"}, Text: "也没有"})
	for _, c := range []struct{ ext, name string }{{"msgZhao==", "赵六"}, {"om_sun", "ou_sun"}} {
		m := p.message(t, c.ext)
		var v api.PersonView
		apptest.WaitFor(t, 10*time.Second, "the refused lookup of "+c.ext, func() bool {
			v, _ = p.person(m.SenderID, p.n.Token)
			return len(v.Identities) == 1 && v.Identities[0].ProfileState == model.ProfileDenied
		})
		if v.Person.Name != c.name || v.Person.Email != "" {
			t.Errorf("%s: person = %+v", c.ext, v.Person)
		}
	}
	resp, body := p.get(t, "/metrics", p.n.Token)
	for _, kind := range []string{"dingtalk", "feishu"} {
		want := fmt.Sprintf(`switchboard_contact_lookups_total{kind="%s",outcome="denied"} 1`, kind)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
