// Package console is the server-rendered web console: html/template pages, a
// small vanilla script for live updates over the API's SSE stream, and a
// stylesheet, all embedded in the binary. It reads and writes only through
// the REST API's exported helpers, so the console never sees more than the
// API would show the same user.
package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"sync"

	"switchboard/internal/auth"
	"switchboard/internal/model"
	"switchboard/internal/web/api"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages are the page templates; each is parsed together with layout.html.
var pages = []string{"login", "inbox", "conversation", "problem", "rules", "notifications", "channels", "channel_new", "channel", "person", "unitchains"}

// Console serves the web UI.
type Console struct {
	api   *api.API
	pages map[string]map[string]*template.Template // lang → page → template

	muxOnce sync.Once // the API's routes for in-process calls (apicall.go)
	mux     *http.ServeMux
}

// New builds the console on top of the API's services. Templates are parsed
// once per language here; a broken template panics at start, not per request.
func New(a *api.API) *Console {
	c := &Console{api: a, pages: map[string]map[string]*template.Template{}}
	for lang := range messages {
		c.pages[lang] = map[string]*template.Template{}
		for _, p := range pages {
			t := template.New("layout.html").Funcs(template.FuncMap{"t": translator(lang), "kindKey": kindKey,
				"size": byteSize, "blank": func() row { return row{} }, "args": args, "platformKey": platformKey, "profileKey": profileKey})
			c.pages[lang][p] = template.Must(t.ParseFS(templateFS, "templates/layout.html", "templates/part_*.html", "templates/"+p+".html"))
		}
	}
	return c
}

// Mount registers the console's routes.
func (c *Console) Mount(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	mux.HandleFunc("GET /lang", c.setLang)
	mux.HandleFunc("GET /login", c.loginForm)
	mux.HandleFunc("POST /login", c.login)
	mux.Handle("POST /logout", c.signedIn(c.logout))
	mux.Handle("GET /{$}", c.signedIn(c.inbox))
	mux.Handle("GET /conversations/{id}", c.signedIn(c.conversation))
	mux.Handle("POST /conversations/{id}/reply", c.signedIn(c.reply))
	mux.Handle("POST /conversations/{id}/ticket", c.signedIn(c.createTicket))
	mux.Handle("GET /people/{id}", c.signedIn(c.person))
	mux.Handle("POST /people/{id}/link", c.signedIn(c.changeLink))
	mux.Handle("POST /people/{id}/unlink", c.signedIn(c.changeLink))
	mux.Handle("GET /rules", c.signedIn(c.rulesView))
	mux.Handle("POST /rules", c.signedIn(c.saveRules))
	mux.Handle("POST /rules/dry-run", c.signedIn(c.dryRun))
	mux.Handle("GET /notifications", c.signedIn(c.notificationsView))
	mux.Handle("POST /notifications/settings", c.signedIn(c.saveSettings))
	mux.Handle("GET /channels", c.signedIn(c.channelsView))
	mux.Handle("GET /channels/new", c.signedIn(c.newChannel))
	mux.Handle("POST /channels", c.signedIn(c.createChannel))
	mux.Handle("GET /channels/{id}", c.signedIn(c.channelView))
	mux.Handle("POST /channels/{id}", c.signedIn(c.saveChannel))
	mux.Handle("POST /channels/{id}/enabled", c.signedIn(c.setEnabled))
	mux.Handle("POST /channels/{id}/test", c.signedIn(c.testChannel))
	mux.Handle("GET /notifications/chains", c.signedIn(c.chainsView))
	mux.Handle("POST /notifications/chains", c.signedIn(c.saveChain))
	c.mountTickets(mux)
	c.mountTicketSettings(mux)
}

// signedIn resolves the caller like the API does, but answers an anonymous
// browser with the sign-in page instead of a JSON 401.
func (c *Console) signedIn(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := c.api.Auth.Authenticate(r)
		if err != nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		next(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

// cacheStatic lets browsers keep the small assets for an hour.
func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// view is what every page template receives.
type view struct {
	Lang  string
	Title string // a key of messages
	User  *model.User
	Admin bool // shows the admin pages in the navigation
	CSRF  string
	Path  string // where the language switch returns to; defaults to this GET's URL
	Page  any    // page-specific data
	Data  any    // JSON data island read by console.js
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 instead of half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	v.Lang = langOf(r)
	if v.Path == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		v.Path = r.URL.RequestURI()
	} else if v.Path == "" {
		v.Path = "/" // the language link must lead to a page, not replay a form post
	}
	if p, ok := auth.From(r.Context()); ok {
		v.User = &p.User
		v.Admin = p.Admin()
		v.CSRF = csrfToken(r)
	}
	var buf bytes.Buffer
	if err := c.pages[v.Lang][page].Execute(&buf, v); err != nil {
		c.api.Log.Error("console: render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// Everything is same-origin; the CSP makes an escaping slip far less useful.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// problem renders a friendly error page ("forbidden", "notfound", "csrf", "error").
func (c *Console) problem(w http.ResponseWriter, r *http.Request, status int, kind string) {
	c.render(w, r, status, "problem", view{Title: kind + ".title", Page: kind})
}

// args builds a template's argument from name/value pairs, for partials
// that need more than the dot (a form's CSRF token beside a row).
func args(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("console: args wants name/value pairs, got %d values", len(kv))
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		name, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("console: args name %v is not a string", kv[i])
		}
		m[name] = kv[i+1]
	}
	return m, nil
}

// kindKey maps a message kind to its string key, so templates stay free of text.
func kindKey(k model.MessageKind) string {
	if !k.Valid() {
		return "kind.text"
	}
	return "kind." + strings.ToLower(string(k))
}
