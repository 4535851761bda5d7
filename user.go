package lore

import "time"

// Roles a user can have.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// User is a person who signs in to Lore.
type User struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	// TeamIDs lists the teams the user belongs to (filled where the caller needs it).
	TeamIDs []int64 `json:"team_ids,omitempty"`
}

// IsAdmin reports whether u may manage users, teams, connections and personas.
func (u *User) IsAdmin() bool { return u != nil && u.Role == RoleAdmin }

// Session is a signed-in browser session. Only the hash of its token is stored.
type Session struct {
	TokenHash string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// APIToken is a bearer token for the JSON API and MCP. Only the hash of its value is stored.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// Team is a group of users that personas are shared with.
type Team struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Members   []string  `json:"members"`
	CreatedAt time.Time `json:"created_at"`
}

// AuditEntry records who changed what. It never holds a secret value.
type AuditEntry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id,omitempty"`
	ActorEmail string    `json:"actor_email,omitempty"`
	Action     string    `json:"action"`
	Target     string    `json:"target"`
	Detail     string    `json:"detail,omitempty"`
}

// AccountStore persists users, sessions, tokens, teams and the audit log.
// Methods return ENOTFOUND for missing rows and ECONFLICT for duplicates.
type AccountStore interface {
	CountUsers(ctx Context) (int, error)
	// CreateUser inserts u with the given password hash. With firstOnly it fails with ECONFLICT
	// when any user already exists, atomically.
	CreateUser(ctx Context, u *User, passwordHash string, firstOnly bool) error
	FindUserByEmail(ctx Context, email string) (*User, string, error)
	FindUserByID(ctx Context, id int64) (*User, error)
	ListUsers(ctx Context) ([]*User, error)

	CreateSession(ctx Context, s *Session) error
	FindSession(ctx Context, tokenHash string) (*Session, error)
	DeleteSession(ctx Context, tokenHash string) error

	CreateToken(ctx Context, t *APIToken, tokenHash string) error
	FindToken(ctx Context, tokenHash string) (*APIToken, error)
	ListTokens(ctx Context, userID int64) ([]*APIToken, error)
	DeleteToken(ctx Context, userID, id int64) error

	ListTeams(ctx Context) ([]*Team, error)
	FindTeam(ctx Context, id int64) (*Team, error)
	// SaveTeam creates the team when ID is 0, else replaces its name and members.
	// Members are e-mail addresses; an unknown one fails with EINVALID.
	SaveTeam(ctx Context, t *Team) error
	DeleteTeam(ctx Context, id int64) error

	RecordAudit(ctx Context, e *AuditEntry) error
	ListAudit(ctx Context, limit int) ([]*AuditEntry, error)
}
