package lore

import "context"

// Context is context.Context, named here so domain interfaces read short.
type Context = context.Context
