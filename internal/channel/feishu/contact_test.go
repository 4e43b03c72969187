package feishu

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"switchboard/internal/channel"
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
	cases := []struct {
		name, id string
		setup    func()
		want     model.Profile
		err      error // nil, ErrNoPermission, ErrNoProfile; retryable below
		retry    bool
	}{
		{name: "full profile", id: "ou_1", want: model.Profile{ProfileName: "张三", Department: "研发部", Email: "zs@acme.example",
			EmailVerified: true, Mobile: "+8613800000001", MobileVerified: true}},
		{name: "personal email only is not verified", id: "ou_2", want: model.Profile{ProfileName: "李四", Email: "li@home.example"}},
		{name: "unknown user", id: "ou_nobody", err: channel.ErrNoProfile},
		{name: "scope not granted", id: "ou_1", setup: func() { f.sim.DenyContact(simfeishu.CodeScopeDenied) }, err: channel.ErrNoPermission},
		{name: "outside the contact range", id: "ou_1", setup: func() { f.sim.DenyContact(simfeishu.CodeNoAuthority) }, err: channel.ErrNoPermission},
		{name: "platform down", id: "ou_1", setup: func() {
			f.sim.DenyContact(0)
			f.sim.Faults.Add(1, simulator.Fault{Path: "/open-apis/contact/", Status: 503})
		}, retry: true},
		{name: "after a revoked token", id: "ou_2", setup: f.sim.ExpireTokens, want: model.Profile{ProfileName: "李四", Email: "li@home.example"}},
	}
	for _, c := range cases {
		if c.setup != nil {
			c.setup()
		}
		got, err := f.conn.LookupUser(context.Background(), c.id)
		switch {
		case c.retry:
			if err == nil || errors.Is(err, channel.ErrNoPermission) || errors.Is(err, channel.ErrNoProfile) {
				t.Errorf("%s: err = %v, want a retryable error", c.name, err)
			}
		case c.err != nil:
			if !errors.Is(err, c.err) {
				t.Errorf("%s: err = %v, want %v", c.name, err, c.err)
			}
		case err != nil || got != c.want:
			t.Errorf("%s: %+v %v, want %+v", c.name, got, err, c.want)
		}
	}
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
