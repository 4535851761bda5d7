package contextpack

import (
	"fmt"
	"sync"

	"github.com/tiktoken-go/tokenizer"
)

// TokenizerName names the vocabulary packs are measured with.
const TokenizerName = "cl100k_base"

var (
	codecOnce sync.Once
	codec     tokenizer.Codec
	codecErr  error
)

// loadCodec loads the embedded cl100k_base vocabulary once; it takes tens of milliseconds.
func loadCodec() (tokenizer.Codec, error) {
	codecOnce.Do(func() {
		codec, codecErr = tokenizer.Get(tokenizer.Cl100kBase)
	})
	return codec, codecErr
}

// Counts of text chunks already tokenized. Packs of one persona repeat most of their lines
// between requests and between the trial renderings of one Build, so counting is mostly lookups.
// The cache is emptied when it grows past cacheMaxBytes.
var cache = struct {
	sync.Mutex
	counts map[string]int
	bytes  int
}{counts: map[string]int{}}

const cacheMaxBytes = 8 << 20

// CountTokens returns the number of cl100k_base tokens in s. The only error is a failure to
// load the embedded vocabulary (EINTERNAL).
func CountTokens(s string) (int, error) {
	c, err := loadCodec()
	if err != nil {
		return 0, fmt.Errorf("load tokenizer %s: %w", TokenizerName, err)
	}
	total := 0
	for len(s) > 0 {
		n := chunkEnd(s)
		chunk := s[:n]
		s = s[n:]
		cache.Lock()
		v, ok := cache.counts[chunk]
		cache.Unlock()
		if !ok {
			if v, err = c.Count(chunk); err != nil {
				return 0, fmt.Errorf("count tokens: %w", err)
			}
			cache.Lock()
			if cache.bytes+len(chunk) > cacheMaxBytes {
				clear(cache.counts)
				cache.bytes = 0
			}
			cache.counts[chunk] = v
			cache.bytes += len(chunk)
			cache.Unlock()
		}
		total += v
	}
	return total, nil
}

// chunkEnd returns the length of the first chunk of s that tokenizes independently of what
// follows. The cl100k_base pre-tokenizer never lets a piece run past a line break into a
// following non-space character: every alternative that can hold a line break ends with the
// run of line breaks. So a line break followed by a printable ASCII character is a boundary at
// which the token count of the whole equals the sum of the counts of the parts.
func chunkEnd(s string) int {
	for i := 1; i < len(s); i++ {
		if (s[i-1] == '\n' || s[i-1] == '\r') && s[i] > ' ' && s[i] < 0x7f {
			return i
		}
	}
	return len(s)
}
