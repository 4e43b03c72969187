package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// apiError is an API answer other than 2xx, as the console shows it: the
// catalogue code and the API's own message, so a refused transition or a
// stale edit reads exactly as a client of the REST API would see it.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// recorder collects a handler's answer in memory.
type recorder struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}

// apiMux serves the API's routes without their authentication wrapper: the
// console's request already carries the signed-in principal in its context.
func (c *Console) apiMux() *http.ServeMux {
	c.muxOnce.Do(func() {
		c.mux = http.NewServeMux()
		for _, rt := range c.api.Routes() {
			c.mux.Handle(rt.Method+" "+rt.Path, rt.Handler)
		}
	})
	return c.mux
}

// callAPI runs an API route in process as the caller of r, so the ticket
// pages read and write through exactly the checks, audit and events of the
// REST API, including fields and routes other parts add to it (an SLA
// object, merge and split) without the console knowing their Go types.
// A route this build lacks answers 404 like any unknown URL.
func (c *Console) callAPI(r *http.Request, method, path string, query url.Values, in, out any) error {
	var body io.Reader = http.NoBody
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	u := path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(r.Context(), method, u, body)
	if err != nil {
		return err
	}
	req.RemoteAddr, req.Header = r.RemoteAddr, r.Header.Clone()
	req.Header.Set("Content-Type", "application/json")
	rec := &recorder{h: http.Header{}}
	c.apiMux().ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.status >= 300 {
		return decodeAPIError(rec.status, rec.body.Bytes())
	}
	if out == nil || rec.body.Len() == 0 {
		return nil
	}
	return json.Unmarshal(rec.body.Bytes(), out)
}

func decodeAPIError(status int, raw []byte) *apiError {
	var doc struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	e := &apiError{Status: status}
	if json.Unmarshal(raw, &doc) == nil && doc.Error.Code != "" {
		e.Code, e.Message = doc.Error.Code, doc.Error.Message
	}
	return e
}

// asAPIError finds the API's answer in err.
func asAPIError(err error) (*apiError, bool) {
	var e *apiError
	ok := errors.As(err, &e)
	return e, ok
}
