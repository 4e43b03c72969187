package feishu

import (
	"net/http"
	"strconv"
	"sync"
)

// Contact API codes the fake answers with.
const (
	CodeScopeDenied  = 99991672 // "Access denied. One of the following scopes is required" (documented family)
	CodeNoAuthority  = 41050    // user outside the app's contact range (unverified)
	CodeUserNotFound = 41012    // no such user (unverified)
	CodeBadResource  = 234001   // resource type / key mismatch (unverified)
)

// User is a member of the fake tenant's contact directory, as contact v3
// returns it.
type User struct {
	OpenID          string   `json:"open_id"`
	UserID          string   `json:"user_id,omitempty"`
	UnionID         string   `json:"union_id,omitempty"`
	Name            string   `json:"name"`
	EnName          string   `json:"en_name,omitempty"`
	Email           string   `json:"email,omitempty"`
	EnterpriseEmail string   `json:"enterprise_email,omitempty"`
	Mobile          string   `json:"mobile,omitempty"`
	DepartmentIDs   []string `json:"department_ids,omitempty"`
}

// resource is the bytes behind a message's image_key or file_key.
type resource struct {
	typ         string // "image" or "file", the ?type= the API wants
	contentType string
	data        []byte
}

// directory is the fake tenant's contacts and message resources.
type directory struct {
	mu          sync.Mutex
	users       map[string]User   // by open_id
	departments map[string]string // open_department_id → name
	denied      int               // code every contact request gets; 0: allowed
	resources   map[string]resource
	chats       map[string]string // chat_id → name (chats.go)
}

func (d *directory) init() {
	d.users, d.departments, d.resources = map[string]User{}, map[string]string{}, map[string]resource{}
}

// AddUser puts u in the contact directory.
func (s *Server) AddUser(u User) {
	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	s.dir.users[u.OpenID] = u
}

// AddDepartment names a department for the contact API.
func (s *Server) AddDepartment(id, name string) {
	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	s.dir.departments[id] = name
}

// DenyContact makes every contact request answer code (CodeScopeDenied:
// the app lacks contact:user.base:readonly); 0 allows them again.
func (s *Server) DenyContact(code int) {
	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	s.dir.denied = code
}

// AddResource stores the bytes a message's key stands for; typ is
// "image" for image_key, "file" for file_key (files, audio, video).
func (s *Server) AddResource(messageID, key, typ, contentType string, data []byte) {
	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	s.dir.resources[messageID+"/"+key] = resource{typ: typ, contentType: contentType, data: data}
}

func (s *Server) directoryRoutes() {
	s.mux.Handle("GET /open-apis/contact/v3/users/{user_id}", s.api(true, s.getUser))
	s.mux.Handle("GET /open-apis/contact/v3/departments/{department_id}", s.api(true, s.getDepartment))
	s.mux.HandleFunc("GET /open-apis/im/v1/messages/{message_id}/resources/{file_key}", s.getResource)
	s.mux.Handle("GET /open-apis/im/v1/chats/{chat_id}", s.api(true, s.getChat))
}

func (s *Server) contactDenied() (reply, bool) {
	switch s.dir.denied {
	case 0:
		return reply{}, false
	case CodeScopeDenied:
		return fail(http.StatusBadRequest, CodeScopeDenied,
			"Access denied. One of the following scopes is required: [contact:user.base:readonly, contact:contact:readonly_as_app]"), true
	}
	return fail(http.StatusBadRequest, s.dir.denied, "no user authority"), true
}

// getUser serves GET /open-apis/contact/v3/users/:user_id (open_id only).
func (s *Server) getUser(r *http.Request) reply {
	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	if rep, denied := s.contactDenied(); denied {
		return rep
	}
	if t := r.URL.Query().Get("user_id_type"); t != "" && t != "open_id" {
		return fail(http.StatusBadRequest, CodeBadField, "the simulator looks users up by open_id only")
	}
	u, found := s.dir.users[r.PathValue("user_id")]
	if !found {
		return fail(http.StatusBadRequest, CodeUserNotFound, "user not found")
	}
	return ok(map[string]any{"user": u})
}

// getDepartment serves GET /open-apis/contact/v3/departments/:department_id.
func (s *Server) getDepartment(r *http.Request) reply {
	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	if rep, denied := s.contactDenied(); denied {
		return rep
	}
	id := r.PathValue("department_id")
	name, found := s.dir.departments[id]
	if !found {
		return fail(http.StatusBadRequest, CodeBadField, "department not found")
	}
	return ok(map[string]any{"department": map[string]string{"open_department_id": id, "name": name}})
}

// getResource serves the message resource API: the bytes, or Feishu's
// JSON error answer.
func (s *Server) getResource(w http.ResponseWriter, r *http.Request) {
	f, faulty := s.Faults.Next(r.URL.Path)
	var rep reply
	switch {
	case faulty && f.Status != 0:
		rep = faultReply(f)
	default:
		if e, bad := s.checkToken(r); bad {
			rep = failWith(e)
			break
		}
		s.dir.mu.Lock()
		res, ok := s.dir.resources[r.PathValue("message_id")+"/"+r.PathValue("file_key")]
		s.dir.mu.Unlock()
		switch {
		case !ok:
			rep = fail(http.StatusBadRequest, CodeNoMessage, "message or resource not found")
		case r.URL.Query().Get("type") != res.typ:
			rep = fail(http.StatusBadRequest, CodeBadResource, "type must be "+res.typ+" for this key")
		default:
			s.logRequest(r, reply{status: http.StatusOK})
			w.Header().Set("Content-Type", res.contentType)
			w.Header().Set("Content-Length", strconv.Itoa(len(res.data)))
			w.Write(res.data)
			return
		}
	}
	s.logRequest(r, rep)
	write(w, rep)
}
