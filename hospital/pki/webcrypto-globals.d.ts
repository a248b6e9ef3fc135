// @peculiar/x509's typings name the DOM's Web Crypto types (CryptoKey, Algorithm, ...); this project
// compiles without lib "dom", so they are given here as Node's own webcrypto types, which are the
// same interfaces (Node implements the W3C Web Cryptography API).
import type { webcrypto } from 'node:crypto';

declare global {
  type Crypto = webcrypto.Crypto;
  type CryptoKey = webcrypto.CryptoKey;
  type CryptoKeyPair = webcrypto.CryptoKeyPair;
  type Algorithm = webcrypto.Algorithm;
  type EcdsaParams = webcrypto.EcdsaParams;
  type EcKeyImportParams = webcrypto.EcKeyImportParams;
  type RsaHashedImportParams = webcrypto.RsaHashedImportParams;
  type KeyUsage = webcrypto.KeyUsage;
  type BufferSource = webcrypto.BufferSource;
  type JsonWebKey = webcrypto.JsonWebKey;
  type HashAlgorithmIdentifier = webcrypto.HashAlgorithmIdentifier;
  type AlgorithmIdentifier = webcrypto.AlgorithmIdentifier;
}
