package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"switchboard/internal/model"
	"switchboard/internal/store"
)

// peopleFixture is a Feishu and a DingTalk channel of deptA with one
// message each from Zhang (both platforms) and from Li (Feishu).
type peopleFixture struct {
	o                  org
	zhangF, zhangD, li model.Message
	ctx                context.Context
}

func newPeopleFixture(t *testing.T, s store.Store) peopleFixture {
	o := newOrg(t, s)
	f := mustChannel(t, s, model.Channel{Kind: "feishu", Name: "f", OrgUnitID: o.deptA})
	d := mustChannel(t, s, model.Channel{Kind: "dingtalk", Name: "d", OrgUnitID: o.deptA})
	fm := commit(t, s, f, envelope(f.ID, "om1", "oc1", "ou_zhang", "你好", base), envelope(f.ID, "om2", "oc1", "ou_li", "在吗", base))
	dm := commit(t, s, d, envelope(d.ID, "dm1", "cid1", "staff_zhang", "钉钉上的消息", base))
	return peopleFixture{o: o, zhangF: fm[0], li: fm[1], zhangD: dm[0], ctx: context.Background()}
}

// identityOf is the one identity of a message's own sender.
func identityOf(t *testing.T, s store.Store, m model.Message) model.Identity {
	t.Helper()
	_, ids, err := s.GetLinkedPerson(context.Background(), all, m.SenderID)
	must(t, err)
	for _, i := range ids {
		if i.PersonID == m.SenderID {
			return i
		}
	}
	t.Fatalf("no identity of person %d in %+v", m.SenderID, ids)
	return model.Identity{}
}

func claimProfiles(t *testing.T, s store.Store, owner string, now time.Time) []store.ProfileJob {
	t.Helper()
	jobs, err := s.ClaimProfiles(context.Background(), owner, now, now.Add(time.Minute), 10)
	must(t, err)
	return jobs
}

func testProfilesAndAutoLink(t *testing.T, s store.Store) {
	fx := newPeopleFixture(t, s)
	now := time.Now()
	jobs := claimProfiles(t, s, "n1", now)
	if len(jobs) != 3 || len(claimProfiles(t, s, "n2", now)) != 0 {
		t.Fatalf("claims = %+v; want the 3 new identities once", jobs)
	}
	zf, zd, li := identityOf(t, s, fx.zhangF), identityOf(t, s, fx.zhangD), identityOf(t, s, fx.li)
	if zf.ProfileState != model.ProfilePending || zf.ExternalID != "ou_zhang" {
		t.Errorf("new identity = %+v", zf)
	}
	p, err := s.SaveProfile(fx.ctx, zf.ID, model.ProfileDone, model.Profile{ProfileName: "张三", Department: "销售部",
		Email: " Zhang@Corp.example ", EmailVerified: true}, time.Time{})
	if err != nil || p != fx.zhangF.SenderID {
		t.Fatalf("save Feishu profile: %d %v", p, err)
	}
	// Li's lookup was refused: Li keeps the callback's name.
	if _, err := s.SaveProfile(fx.ctx, li.ID, model.ProfileDenied, model.Profile{}, now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	p, err = s.SaveProfile(fx.ctx, zd.ID, model.ProfileDone, model.Profile{ProfileName: "张三", Email: "zhang@corp.example",
		EmailVerified: true, Mobile: "+8613800000000", MobileVerified: true}, time.Time{})
	if err != nil || p != fx.zhangF.SenderID {
		t.Fatalf("save DingTalk profile: primary %d %v; want the Feishu person %d", p, err, fx.zhangF.SenderID)
	}
	person, ids, err := s.GetLinkedPerson(fx.ctx, all, fx.zhangD.SenderID)
	must(t, err)
	if person.ID != fx.zhangF.SenderID || person.Name != "张三" || person.Email != "zhang@corp.example" ||
		person.Mobile != "+8613800000000" || person.Department != "销售部" || len(ids) != 2 || ids[0].ID != zf.ID {
		t.Errorf("linked person = %+v with %+v", person, ids)
	}
	if !ids[1].EmailVerified || ids[1].ProfileState != model.ProfileDone || ids[1].Email != "zhang@corp.example" {
		t.Errorf("DingTalk identity = %+v", ids[1])
	}
	members, err := s.LinkedPeople(fx.ctx, fx.zhangD.SenderID)
	must(t, err)
	if !slices.Equal(members, []int64{fx.zhangF.SenderID, fx.zhangD.SenderID}) {
		t.Errorf("LinkedPeople = %v", members)
	}
	lp, lids, err := s.GetLinkedPerson(fx.ctx, all, fx.li.SenderID)
	if err != nil || lp.Name != "Name ou_li" || len(lids) != 1 || lids[0].ProfileState != model.ProfileDenied {
		t.Errorf("Li after a refused lookup = %+v %+v %v", lp, lids, err)
	}
	testPeopleScope(t, s, fx)
	testProfileRetry(t, s, fx, now)
}

func testPeopleScope(t *testing.T, s store.Store, fx peopleFixture) {
	if _, _, err := s.GetLinkedPerson(fx.ctx, store.Scope{Units: []int64{fx.o.deptB}}, fx.zhangF.SenderID); err == nil {
		t.Error("Finance sees a Support person")
	}
	if _, _, err := s.GetLinkedPerson(fx.ctx, store.Scope{Units: []int64{fx.o.root}}, fx.zhangD.SenderID); err != nil {
		t.Errorf("the company scope: %v", err)
	}
	list, err := s.ListPeople(fx.ctx, store.Scope{Units: []int64{fx.o.deptA}}, store.PeopleFilter{})
	must(t, err)
	newest, oldest := max(fx.li.SenderID, fx.zhangF.SenderID), min(fx.li.SenderID, fx.zhangF.SenderID)
	if len(list) != 2 || list[0].ID != newest || list[1].ID != oldest {
		t.Errorf("people of Support = %+v; want Li and Zhang once", list)
	}
	found, err := s.ListPeople(fx.ctx, all, store.PeopleFilter{Query: "CORP.example"})
	must(t, err)
	if len(found) != 1 || found[0].ID != fx.zhangF.SenderID {
		t.Errorf("people matching the email = %+v", found)
	}
	if none, _ := s.ListPeople(fx.ctx, store.Scope{Units: []int64{fx.o.deptB}}, store.PeopleFilter{}); len(none) != 0 {
		t.Errorf("Finance lists %+v", none)
	}
}

func testProfileRetry(t *testing.T, s store.Store, fx peopleFixture, now time.Time) {
	f := mustChannel(t, s, model.Channel{Kind: "feishu", Name: "f2", OrgUnitID: fx.o.deptA})
	m := commit(t, s, f, envelope(f.ID, "om9", "oc9", "ou_wang", "hi", base))[0]
	jobs := claimProfiles(t, s, "n1", now)
	if len(jobs) != 1 || jobs[0].PersonID != m.SenderID {
		t.Fatalf("claims = %+v", jobs)
	}
	must(t, s.RetryProfile(fx.ctx, jobs[0].IdentityID, now.Add(time.Minute)))
	if early := claimProfiles(t, s, "n2", now); len(early) != 0 {
		t.Errorf("claimed before its retry time: %+v", early)
	}
	again := claimProfiles(t, s, "n2", now.Add(2*time.Minute))
	if len(again) != 1 || again[0].Attempts != 1 {
		t.Errorf("retry = %+v", again)
	}
	// Li's refused lookup comes back when its recheck is due.
	recheck := claimProfiles(t, s, "n3", now.Add(25*time.Hour)) // and Wang, whose lease ran out
	if !slices.ContainsFunc(recheck, func(j store.ProfileJob) bool { return j.PersonID == fx.li.SenderID }) {
		t.Errorf("the denied lookup's recheck = %+v", recheck)
	}
}

func testManualLinks(t *testing.T, s store.Store) {
	fx := newPeopleFixture(t, s)
	zd, li := identityOf(t, s, fx.zhangD), identityOf(t, s, fx.li)
	must(t, s.LinkIdentity(fx.ctx, fx.zhangF.SenderID, zd.ID))
	wantErr(t, "link twice", s.LinkIdentity(fx.ctx, fx.zhangD.SenderID, zd.ID), store.ErrConflict)
	must(t, s.LinkIdentity(fx.ctx, fx.zhangD.SenderID, li.ID)) // through a linked person: into its primary
	members, err := s.LinkedPeople(fx.ctx, fx.li.SenderID)
	must(t, err)
	if want := sorted(fx.zhangF.SenderID, fx.li.SenderID, fx.zhangD.SenderID); !slices.Equal(members, want) {
		t.Fatalf("group = %v", members)
	}
	// Unlinking the primary's own identity leaves the others together.
	must(t, s.UnlinkIdentity(fx.ctx, identityOf(t, s, fx.zhangF).ID))
	if m, _ := s.LinkedPeople(fx.ctx, fx.li.SenderID); !slices.Equal(m, sorted(fx.li.SenderID, fx.zhangD.SenderID)) {
		t.Errorf("after unlinking the primary: %v", m)
	}
	if m, _ := s.LinkedPeople(fx.ctx, fx.zhangF.SenderID); !slices.Equal(m, []int64{fx.zhangF.SenderID}) {
		t.Errorf("the unlinked person: %v", m)
	}
	wantErr(t, "unlink a lone person", s.UnlinkIdentity(fx.ctx, identityOf(t, s, fx.zhangF).ID), store.ErrConflict)
	// An admin's unlink sticks: the same verified email no longer links.
	verified := model.Profile{Email: "z@corp.example", EmailVerified: true}
	_, err = s.SaveProfile(fx.ctx, identityOf(t, s, fx.zhangF).ID, model.ProfileDone, verified, time.Time{})
	must(t, err)
	_, err = s.SaveProfile(fx.ctx, zd.ID, model.ProfileDone, verified, time.Time{})
	must(t, err)
	if m, _ := s.LinkedPeople(fx.ctx, fx.zhangF.SenderID); len(m) != 1 {
		t.Errorf("automatic linking undid an admin's unlink: %v", m)
	}
}

func testUnverifiedNoLink(t *testing.T, s store.Store) {
	fx := newPeopleFixture(t, s)
	p := model.Profile{Email: "same@corp.example", Mobile: "+8613900000000"} // not vouched for by the platforms
	for _, m := range []model.Message{fx.zhangF, fx.zhangD} {
		if _, err := s.SaveProfile(fx.ctx, identityOf(t, s, m).ID, model.ProfileDone, p, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if m, _ := s.LinkedPeople(fx.ctx, fx.zhangD.SenderID); len(m) != 1 {
		t.Errorf("unverified addresses linked people: %v", m)
	}
}

func testAttachmentFetches(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	ch := mustChannel(t, s, model.Channel{Kind: "feishu", Name: "f", OrgUnitID: o.deptA})
	img := envelope(ch.ID, "om_img", "oc1", "ou_1", "", base)
	img.Kind, img.Attachments = model.KindImage, []model.Attachment{{Name: "img_1", URL: "https://open.feishu.cn/x"}}
	ms := commit(t, s, ch, img, envelope(ch.ID, "om_txt", "oc1", "ou_1", "text only", base))
	now := time.Now()
	claim := func(owner string, at time.Time) []store.AttachmentJob {
		jobs, err := s.ClaimAttachments(ctx, owner, at, at.Add(time.Minute), 10)
		must(t, err)
		return jobs
	}
	jobs := claim("n1", now)
	if len(jobs) != 1 || jobs[0].MessageID != ms[0].ID || jobs[0].ChannelID != ch.ID || len(claim("n2", now)) != 0 {
		t.Fatalf("claims = %+v; want the image message once", jobs)
	}
	stored := []model.Attachment{{Name: "img_1", URL: img.Attachments[0].URL, MIME: "image/png", Size: 4, BlobID: "b1"}}
	must(t, s.SaveAttachments(ctx, ms[0].ID, stored, false, now.Add(time.Minute), "HTTP 500"))
	got, err := s.GetMessage(ctx, all, ms[0].ID, 0)
	must(t, err)
	if len(got.Attachments) != 1 || got.Attachments[0] != stored[0] {
		t.Errorf("attachments = %+v", got.Attachments)
	}
	if early := claim("n2", now); len(early) != 0 {
		t.Errorf("claimed before its retry: %+v", early)
	}
	again := claim("n2", now.Add(2*time.Minute))
	if len(again) != 1 || again[0].Attempts != 1 {
		t.Fatalf("retry = %+v", again)
	}
	wantErr(t, "a different attachment count", s.SaveAttachments(ctx, ms[0].ID, nil, true, time.Time{}, ""), store.ErrConflict)
	must(t, s.SaveAttachments(ctx, ms[0].ID, stored, true, time.Time{}, ""))
	later := envelope(ch.ID, "om_file", "oc1", "ou_1", "", base)
	later.Kind, later.Attachments = model.KindFile, []model.Attachment{{Name: "a.pdf"}}
	fm := commit(t, s, ch, later)
	if jobs := claim("n1", now.Add(time.Hour)); len(jobs) != 1 || jobs[0].MessageID != fm[0].ID {
		t.Errorf("after one done and one new: %+v", jobs)
	}
	must(t, s.GiveUpAttachments(ctx, fm[0].ID, "gone"))
	if jobs := claim("n1", now.Add(2*time.Hour)); len(jobs) != 0 {
		t.Errorf("after giving up: %+v", jobs)
	}
}

func sorted(ids ...int64) []int64 {
	slices.Sort(ids)
	return ids
}

// testConcurrentEnrichClaims: nodes claiming lookups and fetches at once
// each get a disjoint share, and together all of them.
func testConcurrentEnrichClaims(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := newOrg(t, s)
	ch := mustChannel(t, s, model.Channel{Kind: "feishu", Name: "f", OrgUnitID: o.deptA})
	const n = 60
	var envs []model.Envelope
	for i := range n {
		e := envelope(ch.ID, fmt.Sprint("om", i), "oc", fmt.Sprint("ou_", i), "", base)
		e.Kind, e.Attachments = model.KindImage, []model.Attachment{{Name: "img", URL: "u"}}
		envs = append(envs, e)
	}
	commit(t, s, ch, envs...)
	now := time.Now()
	profiles := claimAll(t, 4, func(owner string) ([]int64, error) {
		jobs, err := s.ClaimProfiles(ctx, owner, now, now.Add(time.Hour), 7)
		var ids []int64
		for _, j := range jobs {
			ids = append(ids, j.IdentityID)
		}
		return ids, err
	})
	fetches := claimAll(t, 4, func(owner string) ([]int64, error) {
		jobs, err := s.ClaimAttachments(ctx, owner, now, now.Add(time.Hour), 7)
		var ids []int64
		for _, j := range jobs {
			ids = append(ids, j.MessageID)
		}
		return ids, err
	})
	if len(profiles) != n || len(fetches) != n {
		t.Errorf("claimed %d lookups and %d fetches, want %d each", len(profiles), len(fetches), n)
	}
}
