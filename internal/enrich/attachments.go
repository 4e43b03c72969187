package enrich

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"switchboard/internal/channel"
	"switchboard/internal/model"
	"switchboard/internal/store"
)

// attachments fetches one batch of inbound attachments.
func (e *Engine) attachments(ctx context.Context) int {
	now := e.now()
	jobs, err := e.st.ClaimAttachments(ctx, e.cfg.Owner, now, now.Add(e.cfg.Lease), e.cfg.Batch)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Error("claim attachment fetches", "err", err)
		}
		return 0
	}
	for _, j := range jobs {
		e.fetch(ctx, j)
	}
	return len(jobs)
}

// fetch downloads the attachments of one message that are not stored yet
// and records their blob ids. What was stored is kept when another of the
// message's attachments fails; that one is retried with backoff, or given
// up when the platform says it never will work.
func (e *Engine) fetch(ctx context.Context, j store.AttachmentJob) {
	m, err := e.st.GetMessage(ctx, store.Scope{All: true}, j.MessageID, 0)
	if errors.Is(err, store.ErrNotFound) {
		e.giveUp(ctx, j, "unknown", "message deleted")
		return
	}
	if err != nil {
		e.log.Error("read message for its attachments; retried when the lease ends", "message", j.MessageID, "err", err)
		return
	}
	ch, kind := e.kindOf(ctx, j.ChannelID)
	f, ok := ch.(channel.Fetcher)
	switch {
	case ch == nil:
		err = errors.New("channel not available")
	case !ok:
		e.giveUp(ctx, j, kind, "this channel cannot fetch attachments")
		return
	default:
		m.Attachments, err = e.download(ctx, f, kind, m.Attachments)
	}
	if err != nil && (errors.Is(err, channel.ErrPermanent) || j.Attempts+1 >= e.cfg.MaxAttempts) {
		if serr := e.st.SaveAttachments(ctx, j.MessageID, m.Attachments, false, e.now(), err.Error()); serr != nil {
			e.log.Error("store fetched attachments", "message", j.MessageID, "err", serr)
		}
		e.giveUp(ctx, j, kind, err.Error())
		return
	}
	errText := ""
	if err != nil {
		errText = err.Error()
		e.log.Warn("attachment fetch failed; will retry", "message", j.MessageID, "kind", kind, "err", err)
	}
	if serr := e.st.SaveAttachments(ctx, j.MessageID, m.Attachments, err == nil, e.retryAt(j.Attempts), errText); serr != nil {
		e.log.Error("store fetched attachments", "message", j.MessageID, "err", serr)
	}
}

// download fetches every attachment without a blob and returns the list
// with the stored ones filled in, and the last error (permanent only if
// every failure was).
func (e *Engine) download(ctx context.Context, f channel.Fetcher, kind string, atts []model.Attachment) ([]model.Attachment, error) {
	atts = slices.Clone(atts)
	var errs []error
	for i, a := range atts {
		if a.BlobID != "" || a.URL == "" {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		data, typ, err := f.FetchAttachment(cctx, a)
		cancel()
		var id string
		if err == nil {
			id, err = e.blobs.Put(data)
		}
		if err != nil {
			e.fetches.WithLabelValues(kind, "retry").Inc()
			errs = append(errs, err)
			continue
		}
		e.fetches.WithLabelValues(kind, "stored").Inc()
		atts[i].BlobID, atts[i].Size = id, int64(len(data))
		if atts[i].MIME == "" {
			atts[i].MIME = typ
		}
		if atts[i].MIME == "" {
			atts[i].MIME = http.DetectContentType(data)
		}
	}
	if len(errs) == 0 {
		return atts, nil
	}
	for _, err := range errs {
		if !errors.Is(err, channel.ErrPermanent) {
			return atts, errors.Join(errs...)
		}
	}
	return atts, channel.Permanent(errors.Join(errs...))
}

func (e *Engine) giveUp(ctx context.Context, j store.AttachmentJob, kind, why string) {
	e.fetches.WithLabelValues(kind, "failed").Inc()
	e.log.Warn("attachment fetch given up", "message", j.MessageID, "kind", kind, "reason", why)
	if err := e.st.GiveUpAttachments(ctx, j.MessageID, why); err != nil {
		e.log.Error("give up attachment fetch", "message", j.MessageID, "err", err)
	}
}
