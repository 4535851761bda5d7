package catalog

import "github.com/lorehq/lore/vault"

// vaultKeyID returns the data key id of a ciphertext for the store's key_id column.
func vaultKeyID(ct []byte) (string, error) { return vault.KeyIDOf(ct) }
