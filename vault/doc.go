// Package vault keeps Lore's stored secrets encrypted: envelope encryption with AES-256-GCM data
// keys wrapped by a key-encryption key (KEK) from a key provider, and the store key that
// encrypts the embedded SQLite file.
//
// Key hierarchy:
//
//	KEK        key file (FileProvider), Secrets Manager keyring (SecretsManagerProvider)
//	           or a KMS key (KMSProvider); chosen with --key-provider, see OpenProvider
//	data key   32 random bytes, wrapped by the KEK, one row per key in a KeyStore
//	value      Seal(plaintext, AD{Table, RecordID, Field}) under the active data key
//	store key  32 random bytes, wrapped by the KEK, in StoreKeyFileName (see OpenStoreKey)
//
// Every ciphertext carries a version byte and its data key id (format at Overhead), and is
// bound to its record by associated data, so a copied ciphertext does not open elsewhere.
// Each data key has a canary checked by Open at start: a wrong, missing or malformed key stops
// Lore with one precise error and nothing is written. Unwrapped data keys are cached for
// Options.CacheTTL.
//
// Start-up order for the embedded store: OpenProvider, OpenStoreKey (create only when no
// database file exists), open SQLite with the store key, then Open with the store's KeyStore.
//
// Operations for `lore keys`: Status, Verify, RotateKEK / RewrapDataKeys (plus RewrapStoreKey),
// RotateDEK (resumable with RotateDEKOptions.Resume), Retire.
//
// Secret is a string type that redacts itself in fmt, JSON and slog.
package vault
