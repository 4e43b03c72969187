package console

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestEveryStringExistsInEveryLanguage(t *testing.T) {
	for lang, dict := range messages {
		for other, odict := range messages {
			for key := range dict {
				if odict[key] == "" {
					t.Errorf("%q is in %s but missing in %s", key, lang, other)
				}
			}
		}
	}
	for _, key := range jsKeys {
		if messages[LangZH][key] == "" {
			t.Errorf("script string %q is not defined", key)
		}
	}
}

func TestTemplatesRenderInEveryLanguage(t *testing.T) {
	c := New(nil)
	for lang := range messages {
		for _, kind := range []string{"forbidden", "notfound", "csrf", "error"} {
			r := httptest.NewRequest("GET", "/x", nil)
			r.AddCookie(&http.Cookie{Name: LangCookie, Value: lang})
			w := httptest.NewRecorder()
			c.problem(w, r, 403, kind)
			if w.Code != 403 || w.Body.Len() == 0 {
				t.Errorf("%s %s: status %d", lang, kind, w.Code)
			}
		}
	}
}

func TestLocalPathKeepsRedirectsOnSite(t *testing.T) {
	for in, want := range map[string]string{
		"/":                    "/",
		"/?kind=image&q=紧急":    "/?kind=image&q=紧急",
		"/conversations/7":     "/conversations/7",
		"":                     "/",
		"//evil.example/":      "/",
		"/\\evil.example":      "/",
		"https://evil.example": "/",
		"javascript:alert(1)":  "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
