package dingtalk

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"switchboard/internal/channel"
	"switchboard/internal/channel/channeltest"
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
	channeltest.RunLookups(t, f.conn, []channeltest.LookupCase{
		{Name: "full profile", ID: "zs", Want: model.Profile{ProfileName: "张三", Department: "研发部", Email: "zs@acme.example",
			EmailVerified: true, Mobile: "+8613800000001", MobileVerified: true}},
		{Name: "typed email is not verified", ID: "ls", Want: model.Profile{ProfileName: "李四", Email: "li@home.example"}},
		{Name: "unknown user", ID: "nobody", Err: channel.ErrNoProfile},
		{Name: "external contact", ID: "$:LWCP_v1:$abc", Err: channel.ErrNoProfile},
		{Name: "permission not granted", ID: "zs", Setup: func() { f.sim.DenyContact(true) }, Err: channel.ErrNoPermission},
		{Name: "platform down", ID: "zs", Setup: func() {
			f.sim.DenyContact(false)
			f.sim.Faults.Add(1, simulator.Fault{Path: "/topapi/", Status: 502})
		}, Retry: true},
		{Name: "after a revoked token", ID: "ls", Setup: f.sim.ExpireTokens, Want: model.Profile{ProfileName: "李四", Email: "li@home.example"}},
	})
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
