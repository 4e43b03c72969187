package feishu

import "net/http"

// CodeChatNotFound answers a chat the bot is not in or that does not
// exist (unverified code: the documented family of im/v1/chats errors).
const CodeChatNotFound = 232011

// AddChat names a group chat for the chat API: events carry only its id.
func (s *Server) AddChat(chatID, name string) {
	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	if s.dir.chats == nil {
		s.dir.chats = map[string]string{}
	}
	s.dir.chats[chatID] = name
}

// getChat serves GET /open-apis/im/v1/chats/:chat_id (scope im:chat:readonly).
func (s *Server) getChat(r *http.Request) reply {
	s.dir.mu.Lock()
	defer s.dir.mu.Unlock()
	id := r.PathValue("chat_id")
	name, found := s.dir.chats[id]
	if !found {
		return fail(http.StatusBadRequest, CodeChatNotFound, "chat not found or the bot is not in it")
	}
	return ok(map[string]any{"chat_id": id, "name": name, "chat_mode": "group", "chat_type": "private"})
}
