package feishu

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"switchboard/internal/channel"
	"switchboard/internal/channel/channeltest"
	"switchboard/internal/model"
	"switchboard/internal/simulator"
	simfeishu "switchboard/internal/simulator/feishu"
)

func TestLookupUserReadsTheContactDirectory(t *testing.T) {
	f := newSendFixture(t, nil)
	f.sim.AddUser(simfeishu.User{OpenID: "ou_1", Name: "张三", Email: "me@home.example", EnterpriseEmail: "zs@acme.example",
		Mobile: "+86 138-0000-0001", DepartmentIDs: []string{"od_1"}})
	f.sim.AddUser(simfeishu.User{OpenID: "ou_2", Name: "李四", Email: "li@home.example"})
	f.sim.AddDepartment("od_1", "研发部")
	channeltest.RunLookups(t, f.conn, []channeltest.LookupCase{
		{Name: "full profile", ID: "ou_1", Want: model.Profile{ProfileName: "张三", Department: "研发部", Email: "zs@acme.example",
			EmailVerified: true, Mobile: "+8613800000001", MobileVerified: true}},
		{Name: "personal email only is not verified", ID: "ou_2", Want: model.Profile{ProfileName: "李四", Email: "li@home.example"}},
		{Name: "unknown user", ID: "ou_nobody", Err: channel.ErrNoProfile},
		{Name: "scope not granted", ID: "ou_1", Setup: func() { f.sim.DenyContact(simfeishu.CodeScopeDenied) }, Err: channel.ErrNoPermission},
		{Name: "outside the contact range", ID: "ou_1", Setup: func() { f.sim.DenyContact(simfeishu.CodeNoAuthority) }, Err: channel.ErrNoPermission},
		{Name: "platform down", ID: "ou_1", Setup: func() {
			f.sim.DenyContact(0)
			f.sim.Faults.Add(1, simulator.Fault{Path: "/open-apis/contact/", Status: 503})
		}, Retry: true},
		{Name: "after a revoked token", ID: "ou_2", Setup: f.sim.ExpireTokens, Want: model.Profile{ProfileName: "李四", Email: "li@home.example"}},
	})
}

func TestFetchAttachmentDownloadsTheMessageResource(t *testing.T) {
	f := newSendFixture(t, nil)
	data := bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 64)
	f.sim.AddResource("om_1", "img_1", "image", "image/png", data)
	att := f.conn.resource("om_1", "img_1", "image", "img_1")
	got, typ, err := f.conn.FetchAttachment(context.Background(), att)
	if err != nil || !bytes.Equal(got, data) || typ != "image/png" {
		t.Fatalf("fetch = %d bytes %q %v", len(got), typ, err)
	}
	f.sim.Faults.Add(1, simulator.Fault{Path: "/open-apis/im/v1/messages/om_1/resources/", Status: 500})
	if _, _, err := f.conn.FetchAttachment(context.Background(), att); err == nil || errors.Is(err, channel.ErrPermanent) {
		t.Errorf("a 500: %v, want a retryable error", err)
	}
	wrongType := f.conn.resource("om_1", "img_1", "file", "img_1")
	if _, _, err := f.conn.FetchAttachment(context.Background(), wrongType); !errors.Is(err, channel.ErrPermanent) {
		t.Errorf("wrong type: %v, want permanent", err)
	}
	if _, _, err := f.conn.FetchAttachment(context.Background(), model.Attachment{URL: "https://evil.example/x"}); !errors.Is(err, channel.ErrPermanent) {
		t.Errorf("a foreign URL: %v, want permanent", err)
	}
}
