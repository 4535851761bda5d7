package lore

import (
	"strings"
	"time"
)

// SessionTTL is how long a browser session lasts without signing in again.
const SessionTTL = 7 * 24 * time.Hour

// Token prefixes make leaked tokens recognisable to secret scanners.
const (
	SessionTokenPrefix = "lores_"
	APITokenPrefix     = "lore_"
)

// Accounts is the account service: users, passwords, sessions and API tokens, over an
// AccountStore. The web package and the CLI share it.
type Accounts struct {
	Store AccountStore
	Now   func() time.Time
}

// NewAccounts returns an Accounts over s.
func NewAccounts(s AccountStore) *Accounts { return &Accounts{Store: s, Now: time.Now} }

// CreateUser validates and creates a user. With firstOnly it creates the first admin and fails
// with ECONFLICT once any user exists.
func (a *Accounts) CreateUser(ctx Context, email, password, role string, firstOnly bool) (*User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if err := ValidateEmail(email); err != nil {
		return nil, err
	}
	if err := ValidatePassword(password); err != nil {
		return nil, err
	}
	if role != RoleAdmin && role != RoleMember {
		return nil, Errorf(EINVALID, "Role must be %q or %q.", RoleAdmin, RoleMember)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	u := &User{Email: email, Role: role, CreatedAt: a.Now().UTC()}
	if err := a.Store.CreateUser(ctx, u, hash, firstOnly); err != nil {
		return nil, err
	}
	return u, nil
}

// Authenticate returns the user whose e-mail and password match, or EUNAUTHORIZED with the same
// message (and about the same time) whether the e-mail is unknown or the password wrong.
func (a *Accounts) Authenticate(ctx Context, email, password string) (*User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	bad := Errorf(EUNAUTHORIZED, "Wrong e-mail or password.")
	if email == "" || password == "" || len(email) > MaxEmailLen || len(password) > MaxPasswordLen {
		return nil, bad
	}
	u, hash, err := a.Store.FindUserByEmail(ctx, email)
	if ErrorCode(err) == ENOTFOUND {
		CheckDummyPassword(password)
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	if !CheckPassword(hash, password) {
		return nil, bad
	}
	return u, nil
}

// StartSession creates a session for userID and returns its token (for the cookie).
func (a *Accounts) StartSession(ctx Context, userID int64) (string, error) {
	token, hash, err := NewToken(SessionTokenPrefix)
	if err != nil {
		return "", err
	}
	now := a.Now().UTC()
	s := &Session{TokenHash: hash, UserID: userID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
	if err := a.Store.CreateSession(ctx, s); err != nil {
		return "", err
	}
	return token, nil
}

// SessionUser returns the user of a live session, or EUNAUTHORIZED.
func (a *Accounts) SessionUser(ctx Context, token string) (*User, error) {
	if !strings.HasPrefix(token, SessionTokenPrefix) || len(token) > 200 {
		return nil, Errorf(EUNAUTHORIZED, "Your session has ended. Sign in again.")
	}
	s, err := a.Store.FindSession(ctx, HashToken(token))
	if ErrorCode(err) == ENOTFOUND || (err == nil && a.Now().After(s.ExpiresAt)) {
		return nil, Errorf(EUNAUTHORIZED, "Your session has ended. Sign in again.")
	} else if err != nil {
		return nil, err
	}
	return a.Store.FindUserByID(ctx, s.UserID)
}

// EndSession deletes the session of token; it is not an error if none exists.
func (a *Accounts) EndSession(ctx Context, token string) error {
	err := a.Store.DeleteSession(ctx, HashToken(token))
	if ErrorCode(err) == ENOTFOUND {
		return nil
	}
	return err
}

// CreateToken creates an API token for the user with the given e-mail and returns its value,
// which is shown once and never stored.
func (a *Accounts) CreateToken(ctx Context, email, name string) (string, *APIToken, error) {
	u, _, err := a.Store.FindUserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if ErrorCode(err) == ENOTFOUND {
		return "", nil, Errorf(ENOTFOUND, "No user has the e-mail %q. Create the user first with `lore users create`.", email)
	} else if err != nil {
		return "", nil, err
	}
	if name == "" {
		name = "api"
	}
	if len(name) > MaxNameLen {
		return "", nil, Errorf(EINVALID, "Token name is longer than %d characters.", MaxNameLen)
	}
	token, hash, err := NewToken(APITokenPrefix)
	if err != nil {
		return "", nil, err
	}
	t := &APIToken{UserID: u.ID, Name: name, CreatedAt: a.Now().UTC()}
	if err := a.Store.CreateToken(ctx, t, hash); err != nil {
		return "", nil, err
	}
	return token, t, nil
}

// TokenUser returns the owner of an API token, or EUNAUTHORIZED.
func (a *Accounts) TokenUser(ctx Context, token string) (*User, error) {
	bad := Errorf(EUNAUTHORIZED, "The API token is not valid. Create one with `lore tokens create`.")
	if !strings.HasPrefix(token, APITokenPrefix) || len(token) > 200 {
		return nil, bad
	}
	t, err := a.Store.FindToken(ctx, HashToken(token))
	if ErrorCode(err) == ENOTFOUND {
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	return a.Store.FindUserByID(ctx, t.UserID)
}
