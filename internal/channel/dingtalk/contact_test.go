package dingtalk

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"switchboard/internal/channel"
	"switchboard/internal/model"
	"switchboard/internal/simulator"
	simdingtalk "switchboard/internal/simulator/dingtalk"
)

func TestLookupUserReadsTheOrganisation(t *testing.T) {
	f := newSendFixture(t)
	f.sim.AddUser(simdingtalk.User{UserID: "zs", Name: "张三", Mobile: "13800000001", StateCode: "86", Email: "me@home.example",
		OrgEmail: "zs@acme.example", DeptIDs: []int64{7}})
	f.sim.AddUser(simdingtalk.User{UserID: "ls", Name: "李四", Email: "li@home.example"})
	f.sim.AddDepartment(7, "研发部")
	cases := []struct {
		name, id string
		setup    func()
		want     model.Profile
		err      error
		retry    bool
	}{
		{name: "full profile", id: "zs", want: model.Profile{ProfileName: "张三", Department: "研发部", Email: "zs@acme.example",
			EmailVerified: true, Mobile: "+8613800000001", MobileVerified: true}},
		{name: "typed email is not verified", id: "ls", want: model.Profile{ProfileName: "李四", Email: "li@home.example"}},
		{name: "unknown user", id: "nobody", err: channel.ErrNoProfile},
		{name: "external contact", id: "$:LWCP_v1:$abc", err: channel.ErrNoProfile},
		{name: "permission not granted", id: "zs", setup: func() { f.sim.DenyContact(true) }, err: channel.ErrNoPermission},
		{name: "platform down", id: "zs", setup: func() {
			f.sim.DenyContact(false)
			f.sim.Faults.Add(1, simulator.Fault{Path: "/topapi/", Status: 502})
		}, retry: true},
		{name: "after a revoked token", id: "ls", setup: f.sim.ExpireTokens, want: model.Profile{ProfileName: "李四", Email: "li@home.example"}},
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

func TestFetchAttachmentFollowsTheDownloadCode(t *testing.T) {
	f := newSendFixture(t)
	data := bytes.Repeat([]byte("voice"), 50)
	f.sim.AddFile("code-1", "audio/amr", data)
	got, typ, err := f.conn.FetchAttachment(context.Background(), download("code-1", "voice"))
	if err != nil || !bytes.Equal(got, data) || typ != "audio/amr" {
		t.Fatalf("fetch = %d bytes %q %v", len(got), typ, err)
	}
	if _, _, err := f.conn.FetchAttachment(context.Background(), download("never-issued", "x")); !errors.Is(err, channel.ErrPermanent) {
		t.Errorf("an unknown code: %v, want permanent", err)
	}
	f.sim.Faults.Add(1, simulator.Fault{Path: "/v1.0/robot/messageFiles/download", Status: 503})
	if _, _, err := f.conn.FetchAttachment(context.Background(), download("code-1", "voice")); err == nil || errors.Is(err, channel.ErrPermanent) {
		t.Errorf("a 503: %v, want a retryable error", err)
	}
	if _, _, err := f.conn.FetchAttachment(context.Background(), model.Attachment{URL: "https://x.example"}); !errors.Is(err, channel.ErrPermanent) {
		t.Errorf("not a download code: %v", err)
	}
}
