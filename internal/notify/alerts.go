package notify

import (
	"context"
	"fmt"
	"strings"

	"switchboard/internal/model"
)

// sendAlerts hands every new alert to each admin's notification chain and
// reports whether it enqueued anything. An admin without a chain still
// sees the alert at /api/v1/alerts.
func (e *Engine) sendAlerts(ctx context.Context) bool {
	now := e.clock()
	alerts, err := e.st.ClaimAlerts(ctx, e.cfg.Owner, now, now.Add(e.cfg.Lease), e.cfg.Batch)
	if err != nil || len(alerts) == 0 {
		if err != nil {
			e.log.Warn("claim alerts", "err", err)
		}
		return false
	}
	admins, err := e.admins(ctx)
	if err != nil {
		e.log.Warn("alert recipients", "err", err)
		return false
	}
	sent := false
	for _, a := range alerts {
		var ds []model.Delivery
		for _, uid := range admins {
			s, _, err := e.settings(ctx, uid)
			if err != nil || len(s.Chain) == 0 {
				continue
			}
			text := fmt.Sprintf("【告警 Alert】%s\n%s\n%s/", alertTitle(a.Kind), a.Detail, strings.TrimRight(e.cfg.PublicURL, "/"))
			d := delivery(s.Chain, fmtKey("alert", a.ID, uid), text)
			ds = append(ds, *d)
		}
		if err := e.st.ResolveAlert(ctx, a.ID, ds); err != nil {
			e.log.Warn("resolve alert", "alert", a.ID, "err", err)
			continue
		}
		e.log.Warn("alert", "kind", a.Kind, "subject", a.Subject, "detail", a.Detail, "admins_told", len(ds))
		sent = sent || len(ds) > 0
	}
	return sent
}

// admins are the users holding the admin role over a root of the org tree.
func (e *Engine) admins(ctx context.Context) ([]int64, error) {
	units, err := e.st.ListOrgUnits(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var out []int64
	for _, u := range units {
		if u.ParentID != 0 {
			continue
		}
		ids, err := e.st.UsersWithRole(ctx, u.ID, model.RoleAdmin)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out, nil
}

func alertTitle(kind string) string {
	switch kind {
	case model.AlertDeliveryDead:
		return "消息投递失败 A delivery failed for good"
	case model.AlertTicketHookDead:
		return "工单 Webhook 投递失败 A ticket webhook delivery failed for good"
	}
	return kind
}
