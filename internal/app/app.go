// Package app wires Switchboard together from a Config: store, bus, intake,
// outbox, channels and HTTP, and runs them until the context ends.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"switchboard/internal/audit"
	"switchboard/internal/auth"
	"switchboard/internal/blob"
	"switchboard/internal/bus"
	"switchboard/internal/channel"
	"switchboard/internal/channel/dingtalk"
	"switchboard/internal/channel/feishu"
	"switchboard/internal/channel/webhook"
	"switchboard/internal/config"
	"switchboard/internal/crypto"
	"switchboard/internal/enrich"
	"switchboard/internal/intake"
	"switchboard/internal/metrics"
	"switchboard/internal/model"
	"switchboard/internal/notify"
	"switchboard/internal/outbox"
	"switchboard/internal/store"
	"switchboard/internal/store/sqlite"
	"switchboard/internal/ticket"
	"switchboard/internal/web"
	"switchboard/internal/web/api"
	"switchboard/internal/web/console"
)

// Drivers lists every channel kind; adding a platform adds one line here.
func Drivers() []channel.Driver {
	return []channel.Driver{webhook.Driver{}, feishu.Driver{}, dingtalk.Driver{}}
}

// App is one running Switchboard node.
type App struct {
	Cfg        config.Config
	Log        *slog.Logger
	Store      store.Store
	Keys       *crypto.Keyring
	Bus        bus.Bus
	Metrics    *metrics.Metrics
	Channels   *channel.Registry
	Writer     *intake.Writer
	Processor  *intake.Processor
	Dispatcher *outbox.Dispatcher
	Notifier   *notify.Engine
	TicketLoop *ticket.Loop
	SLATimer   *ticket.SLATimer
	Enricher   *enrich.Engine // contact profiles and attachment bytes, after the commit
	API        *api.API
	Handler    http.Handler

	TicketHooks *ticket.Hooks // outgoing ticket webhooks

	items    chan store.InboxItem
	lock     *nodeLock
	rules    ruleSet
	chanCtx  context.Context
	chanStop context.CancelFunc
}

// OpenStore opens the configured database and the at-rest keyring.
func OpenStore(ctx context.Context, cfg config.Config) (store.Store, *crypto.Keyring, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("data dir: %w", err)
	}
	keyFile := cfg.MasterKeyFile
	if keyFile == "" {
		keyFile = filepath.Join(cfg.DataDir, "keys.json")
	}
	keys, err := crypto.LoadOrCreate(keyFile)
	if err != nil {
		return nil, nil, err
	}
	if cfg.DatabaseURL != "" {
		st, err := openPostgres(ctx, cfg.DatabaseURL, keys)
		return st, keys, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "switchboard.db"), keys)
	return st, keys, err
}

// New builds a node from cfg. Nothing runs until Run.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	if cfg.NodeID == "" {
		host, _ := os.Hostname()
		cfg.NodeID = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	st, keys, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &App{Cfg: cfg, Log: log, Store: st, Keys: keys, Metrics: metrics.New(), items: make(chan store.InboxItem, 8192)}
	if cfg.DatabaseURL != "" {
		if a.lock, err = lockNode(ctx, cfg.DatabaseURL, cfg.NATSURL != ""); err != nil {
			st.Close()
			return nil, err
		}
	}
	a.Bus, err = openBus(cfg, log)
	if err != nil {
		a.lock.Close()
		st.Close()
		return nil, err
	}
	a.build()
	a.useRules()
	if err := a.reloadRules(ctx); err != nil {
		log.Error("rules not loaded; messages are not tagged until they are fixed", "err", err)
	}
	return a, nil
}

func (a *App) build() {
	cfg, log := a.Cfg, a.Log
	blobDir := cfg.BlobDir
	if blobDir == "" {
		blobDir = filepath.Join(cfg.DataDir, "blobs")
	}
	blobs := &blob.Store{Dir: blobDir, Keys: a.Keys}
	a.chanCtx, a.chanStop = context.WithCancel(context.Background())
	a.Writer = intake.NewWriter(intake.WriterConfig{Owner: cfg.NodeID, Lease: cfg.LeaseDuration, BatchMax: cfg.BatchMax,
		BatchWait: cfg.BatchWait, KindOf: a.kindOf, Target: a.target,
		Stored: a.stored,
	}, a.Store, a.items, a.Metrics, log)
	a.Channels = channel.NewRegistry(a.chanCtx, a.Store, channel.Env{Sink: receiptSink{a.Writer, a.Store}, Blobs: blobs,
		MaxBodyBytes: cfg.MaxBodyBytes, SignatureSkew: cfg.SignatureSkew, Now: time.Now,
		Client: channel.NewHTTPClient(), Routes: a.Store, Rejected: func(kind, reason string) {
			a.Metrics.IntakeRejected.WithLabelValues(kind, reason).Inc()
		}}, Drivers()...)
	a.Processor = intake.NewProcessor(intake.ProcessorConfig{Owner: cfg.NodeID, Lease: cfg.LeaseDuration, BatchMax: cfg.BatchMax,
		ChannelInfo: a.channelRow}, a.Store, a.Bus, a.items, a.Metrics, log)
	a.Dispatcher = outbox.New(outbox.Config{Owner: cfg.NodeID, Lease: cfg.LeaseDuration, MaxAttempts: cfg.DeliveryAttempts,
		BaseBackoff: cfg.DeliveryBackoff, BreakerThreshold: cfg.BreakerThreshold, BreakerCooldown: cfg.BreakerCooldown},
		a.Store, a.Channels, a.Metrics, log)
	a.Notifier = notify.New(notify.Config{Owner: cfg.NodeID, Lease: cfg.LeaseDuration, PublicURL: cfg.PublicURL,
		Enqueued: a.Dispatcher.Wake, Tasks: ruleTasks{&ticket.Service{Store: a.Store, Bus: a.Bus, Log: log}},
		Tickets: ruleTickets{&ticket.Service{Store: a.Store, Bus: a.Bus, Log: log}, a.Store}}, a.Store, log)
	a.TicketLoop = ticket.NewLoop(&ticket.Service{Store: a.Store, Bus: a.Bus, Log: log}, a.Store, a.Dispatcher.Wake, log)
	a.SLATimer = ticket.NewSLATimer(&ticket.Service{Store: a.Store, Bus: a.Bus, Log: log}, a.Store, a.Notifier, cfg.NodeID, log)
	if cfg.LeaseDuration > 0 {
		a.SLATimer.Lease = cfg.LeaseDuration // as every claimed job: a dead node's events are taken over after it
	}
	a.TicketHooks = ticket.NewHooks(a.Store, a.Bus, ticket.HookConfig{Owner: cfg.NodeID, Lease: cfg.LeaseDuration,
		MaxAttempts: cfg.TicketHookAttempts, BaseBackoff: cfg.TicketHookBackoff, AllowLinkLocal: cfg.TicketHookAllowLinkLocal,
		Retention: cfg.TicketHookRetention}, log)
	a.Enricher = enrich.New(enrich.Config{Owner: cfg.NodeID}, a.Store, a.Channels, blobs, a.Metrics.Registry, log)
	authSvc := &auth.Service{Users: a.Store, SessionTTL: cfg.SessionTTL}
	a.API = api.New(api.Deps{Store: a.Store, Auth: authSvc, Channels: a.Channels, Bus: a.Bus, Blobs: blobs,
		Outbox: a.Dispatcher, Audit: &audit.Recorder{Store: a.Store, Log: log}, Metrics: a.Metrics, Log: log,
		PublicURL: cfg.PublicURL, SessionTTL: cfg.SessionTTL, SecureCookie: strings.HasPrefix(cfg.PublicURL, "https://"),
		ReloadRules: a.reloadRules, TicketHooks: a.TicketHooks})
	srv := &web.Server{API: a.API, Channels: a.Channels, Metrics: a.Metrics, Log: log, Ready: a.ready,
		Console: console.New(a.API)}
	a.Handler = srv.Handler()
	a.Metrics.WatchChannels(a.channelSamples)
}

// stored publishes what an intake commit stored and wakes the notifier
// when a rule asked to announce any of it.
func (a *App) stored(items []store.InboxItem, msgs []model.Message) {
	a.Processor.Publish(items, msgs)
	a.TicketLoop.Heard(msgs)
	if len(msgs) > 0 {
		a.Enricher.Wake()
	}
	for i := range msgs {
		if msgs[i].Notify != nil {
			a.Notifier.Wake()
			return
		}
	}
}

func (a *App) kindOf(channelID int64) string {
	if _, row, err := a.Channels.Get(context.Background(), channelID); err == nil {
		return row.Kind
	}
	return "unknown"
}

// target tells the intake commit where a channel's messages belong.
func (a *App) target(channelID int64) *store.Target {
	_, row, err := a.Channels.Get(context.Background(), channelID)
	if err != nil {
		return nil // the processor retries the lookup
	}
	return &store.Target{OrgUnitID: row.OrgUnitID, Kind: row.Kind}
}

func (a *App) channelRow(ctx context.Context, id int64) (model.Channel, error) {
	_, row, err := a.Channels.Get(ctx, id)
	return row, err
}

func (a *App) ready(ctx context.Context) error {
	if err := a.lock.Err(); err != nil {
		return err
	}
	_, err := a.Store.InboxDepth(ctx)
	return err
}

// EnsureRoot creates the root org unit of an empty database and returns the root.
func EnsureRoot(ctx context.Context, st store.Store) (model.OrgUnit, error) {
	units, err := st.ListOrgUnits(ctx)
	if err != nil || len(units) > 0 {
		if len(units) > 0 {
			return units[0], nil
		}
		return model.OrgUnit{}, err
	}
	return st.CreateOrgUnit(ctx, model.OrgUnit{Name: "公司 Company", Kind: "company"})
}

// Bootstrap creates the root org unit and the first admin on an empty
// database. It returns the admin's password when it created one.
func (a *App) Bootstrap(ctx context.Context) (string, error) {
	root, err := EnsureRoot(ctx, a.Store)
	if err != nil {
		return "", err
	}
	if n, err := a.Store.CountUsers(ctx); err != nil || n > 0 {
		return "", err
	}
	pw := a.Cfg.AdminPassword
	if pw == "" {
		pw = auth.RandomToken("")[:16]
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return "", err
	}
	_, err = a.Store.CreateUser(ctx, model.User{Login: "admin", Name: "管理员 Admin", PasswordHash: hash,
		Roles: []model.RoleGrant{{Role: model.RoleAdmin, OrgUnitID: root.ID}}})
	return pw, err
}

// Listen opens the configured address. Without a public URL, callback URLs
// are shown with the address actually bound (useful with port 0).
func (a *App) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", a.Cfg.Addr)
	if err != nil {
		return nil, err
	}
	if a.Cfg.PublicURL == "" {
		a.Cfg.PublicURL = "http://" + ln.Addr().String()
		a.API.PublicURL = a.Cfg.PublicURL
		a.Notifier.SetPublicURL(a.Cfg.PublicURL)
	}
	return ln, nil
}

// Run serves on ln and runs the background loops until ctx ends, then shuts
// down in order: stop taking requests, commit what was accepted, process it,
// stop sending.
func (a *App) Run(ctx context.Context, ln net.Listener) error {
	wctx, wstop := context.WithCancel(context.Background())
	go a.Writer.Run(wctx)
	pdone := make(chan struct{})
	go func() { a.Processor.Run(context.Background()); close(pdone) }()
	dctx, dstop := context.WithCancel(context.Background())
	ddone := make(chan struct{})
	go func() { a.Dispatcher.Run(dctx); close(ddone) }()
	ndone := make(chan struct{})
	go func() { a.Notifier.Run(dctx); close(ndone) }()
	tdone := make(chan struct{})
	go func() { a.TicketLoop.Run(dctx); close(tdone) }()
	sdone := make(chan struct{})
	go func() { a.SLATimer.Run(dctx); close(sdone) }()
	hdone := make(chan struct{})
	go func() { a.TicketHooks.Run(dctx); close(hdone) }()
	edone := make(chan struct{})
	go func() { a.Enricher.Run(dctx); close(edone) }()
	mctx, mstop := context.WithCancel(context.Background())
	go a.gauges(mctx)
	go a.sweepQueues(mctx)
	go a.autoClose(mctx)
	go a.sweepDuplicates(mctx)
	go a.followChannelChanges(mctx)
	go a.openChannels(mctx)
	if a.lock != nil {
		go a.lock.watch(mctx, 5*time.Second, a.Log)
		go a.followNodes(mctx, 10*time.Second)
	}

	// Long-lived requests (SSE streams) end when shutdown begins, through
	// their base context; Shutdown alone would wait for them until it times out.
	baseCtx, endStreams := context.WithCancel(context.Background())
	hs := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context { return baseCtx }}
	hs.RegisterOnShutdown(endStreams)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	a.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_ = hs.Shutdown(sctx)
	a.chanStop() // long connections end with the HTTP server: nothing new arrives while the writer drains
	wstop()
	<-a.Writer.Stopped()
	close(a.items)
	<-pdone
	dstop()
	<-ddone
	<-ndone
	<-tdone
	<-sdone
	<-hdone
	<-edone
	mstop()
	if err := errors.Join(a.Bus.Close(), a.Store.Close(), a.lock.Close()); err != nil {
		return err
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		return nil
	}
	return serveErr
}

// followChannelChanges drops cached channel instances changed on any
// node, and starts them again from their new row.
func (a *App) followChannelChanges(ctx context.Context) {
	evs, cancel := a.Bus.Subscribe(256, bus.ChannelChanged, bus.RulesChanged)
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-evs:
			switch ev.Type {
			case bus.ChannelChanged:
				a.Channels.Forget(ev.ChannelID)
				a.openChannel(ctx, ev.ChannelID)
			case bus.RulesChanged:
				if err := a.reloadRules(ctx); err != nil {
					a.Log.Error("reload rules", "err", err)
				}
			}
		}
	}
}

// openChannels starts every enabled channel when the node starts, so that
// long connections (Feishu long_connection mode) open without waiting for
// a first send. Every node does it: Feishu hands each event to one of an
// app's connections, so several nodes share the load and cover for each
// other.
func (a *App) openChannels(ctx context.Context) {
	rows, err := a.Store.ListChannels(ctx, store.Scope{All: true})
	if err != nil {
		a.Log.Error("channels not opened at start; long connections wait for first use", "err", err)
		return
	}
	for _, row := range rows {
		if row.Enabled {
			a.openChannel(ctx, row.ID)
		}
	}
}

// openChannel (re)starts a channel after a change; a deleted one stays gone.
func (a *App) openChannel(ctx context.Context, id int64) {
	if _, _, err := a.Channels.Get(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		a.Log.Warn("channel not started", "channel", id, "err", err)
	}
}

// gauges refreshes queue depth gauges. Channel health is read at scrape
// time instead (channelSamples).
func (a *App) gauges(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		if n, err := a.Store.OutboxDepth(ctx); err == nil {
			a.Metrics.OutboxDepth.Set(float64(n))
		}
		if n, err := a.Store.InboxDepth(ctx); err == nil {
			a.Metrics.InboxDepth.Set(float64(n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// channelSamples is the health of this node's live channels, as the
// console shows it, for the metrics scrape. Only started instances count:
// building one per scrape for every stored channel would be neither cheap
// nor this node's business.
func (a *App) channelSamples() []metrics.ChannelSample {
	live := a.Channels.Live()
	out := make([]metrics.ChannelSample, len(live))
	for i, in := range live {
		out[i] = metrics.ChannelSample{ID: in.Row.ID, Kind: in.Row.Kind, Name: in.Row.Name,
			Health: a.API.EffectiveHealth(in.Row, in.Channel.Health())}
	}
	return out
}
