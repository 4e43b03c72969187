package dingtalk

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Old-API errcodes of the contact methods.
const (
	ErrcodeNoPermission = 60011 // the app lacks the 通讯录 permission (unverified number)
	ErrcodeNoUser       = 60121 // 找不到该用户
	ErrcodeBadToken     = 40014 // 不合法的access_token
	ErrcodeNoDept       = 60003 // 部门不存在
)

// CodeBadDownload answers a downloadCode the fake never handed out (unverified).
const CodeBadDownload = "invalidDownloadCode"

// User is a member of the fake organisation, as topapi/v2/user/get
// returns it.
type User struct {
	UserID    string  `json:"userid"`
	UnionID   string  `json:"unionid,omitempty"`
	Name      string  `json:"name"`
	Mobile    string  `json:"mobile,omitempty"`
	StateCode string  `json:"state_code,omitempty"`
	Email     string  `json:"email,omitempty"`
	OrgEmail  string  `json:"org_email,omitempty"`
	DeptIDs   []int64 `json:"dept_id_list,omitempty"`
}

type file struct {
	contentType string
	data        []byte
}

// directory is the fake organisation's contacts and message files.
type directory struct {
	mu          sync.Mutex
	users       map[string]User // by userid (staffId)
	departments map[int64]string
	denied      bool
	files       map[string]file // by downloadCode
}

func (d *directory) init() {
	d.users, d.departments, d.files = map[string]User{}, map[int64]string{}, map[string]file{}
}

// AddUser puts u in the organisation's contacts.
func (s *Server) AddUser(u User) {
	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	s.dir.users[u.UserID] = u
}

// AddDepartment names a department.
func (s *Server) AddDepartment(id int64, name string) {
	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	s.dir.departments[id] = name
}

// DenyContact makes every contact request answer errcode 60011, as when
// the app was not granted the 通讯录 permission.
func (s *Server) DenyContact(on bool) {
	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	s.dir.denied = on
}

// AddFile stores the bytes a robot message's downloadCode stands for.
func (s *Server) AddFile(downloadCode, contentType string, data []byte) {
	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	s.dir.files[downloadCode] = file{contentType: contentType, data: data}
}

func (s *Server) directoryRoutes() {
	s.mux.Handle("POST /topapi/v2/user/get", s.api(oldAPI, false, s.topapi(s.getUser)))
	s.mux.Handle("POST /topapi/v2/department/get", s.api(oldAPI, false, s.topapi(s.getDepartment)))
	s.mux.Handle("POST /v1.0/robot/messageFiles/download", s.api(newAPI, true, s.downloadURL))
	s.mux.HandleFunc("GET /_sim/files/{code}", s.serveFile)
}

// topapi checks the access_token query parameter, the permission and
// the JSON body of a contact method, then answers {errcode 0, result}.
func (s *Server) topapi(h func(body map[string]json.RawMessage) (any, int, string)) func(*http.Request) reply {
	return func(r *http.Request) reply {
		if !s.validToken(r.URL.Query().Get("access_token")) {
			return oapiAnswer(ErrcodeBadToken, "不合法的access_token")
		}
		var body map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			return oapiAnswer(40035, "不合法的参数: "+err.Error())
		}
		s.dir.mu.Lock()
		defer s.dir.mu.Unlock()
		if s.dir.denied {
			return oapiAnswer(ErrcodeNoPermission, "没有调用该接口的权限，请在开发者后台申请通讯录权限")
		}
		result, code, msg := h(body)
		if code != ErrcodeOK {
			return oapiAnswer(code, msg)
		}
		return ok(map[string]any{"errcode": 0, "errmsg": "ok", "result": result, "request_id": requestID()})
	}
}

func (s *Server) validToken(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, known := s.tokens[tok]
	return known && s.cfg.Now().Before(exp)
}

// getUser is topapi/v2/user/get {userid}. Callers hold s.dir.mu.
func (s *Server) getUser(body map[string]json.RawMessage) (any, int, string) {
	var id string
	json.Unmarshal(body["userid"], &id)
	u, found := s.dir.users[id]
	if !found {
		return nil, ErrcodeNoUser, "找不到该用户"
	}
	return u, ErrcodeOK, ""
}

// getDepartment is topapi/v2/department/get {dept_id}. Callers hold s.dir.mu.
func (s *Server) getDepartment(body map[string]json.RawMessage) (any, int, string) {
	var id int64
	json.Unmarshal(body["dept_id"], &id)
	name, found := s.dir.departments[id]
	if !found {
		return nil, ErrcodeNoDept, "部门不存在"
	}
	return map[string]any{"dept_id": id, "name": name}, ErrcodeOK, ""
}

// downloadURL serves POST /v1.0/robot/messageFiles/download {downloadCode,
// robotCode} → {downloadUrl}, a URL on this fake that needs no token.
func (s *Server) downloadURL(r *http.Request) reply {
	var in struct {
		DownloadCode string `json:"downloadCode"`
		RobotCode    string `json:"robotCode"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.RobotCode != s.cfg.RobotCode {
		return fail(http.StatusBadRequest, CodeBadParameter, "robotCode 或请求体不正确")
	}
	s.dir.mu.Lock()
	_, found := s.dir.files[in.DownloadCode]
	s.dir.mu.Unlock()
	if !found {
		return fail(http.StatusBadRequest, CodeBadDownload, "downloadCode 无效或已过期")
	}
	s.mu.Lock()
	base := s.cfg.URL
	s.mu.Unlock()
	if base == "" {
		base = "http://" + r.Host
	}
	return ok(map[string]string{"downloadUrl": base + "/_sim/files/" + in.DownloadCode})
}

// serveFile is the downloadUrl: the file's bytes.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	s.dir.mu.Lock()
	f, found := s.dir.files[r.PathValue("code")]
	s.dir.mu.Unlock()
	if !found || strings.TrimSpace(r.PathValue("code")) == "" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	w.Write(f.data)
}
