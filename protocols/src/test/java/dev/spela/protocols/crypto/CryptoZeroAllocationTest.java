package dev.spela.protocols.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.security.KeyPair;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Signature verification, SHA-512 and X25519 allocate nothing after construction (run under -Xint,
 * where no escape analysis hides allocations).
 */
@Tag("zero-allocation")
class CryptoZeroAllocationTest {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private final Ed25519Verifier verifier = new Ed25519Verifier();
  private final X25519 x25519 = new X25519();
  private final Sha512 sha = new Sha512();
  private final byte[] digest = new byte[Sha512.DIGEST_LENGTH];
  private final byte[] devicePublic = new byte[32];
  private final byte[] shared = new byte[32];
  private final byte[] message = new byte[1500];
  private final byte[] devicePrivate = new byte[32];
  private byte[] key;
  private byte[] signature;
  private byte[] hostPublic;

  private int round() {
    int failures = 0;
    failures |= verifier.verify(key, 0, message, 0, message.length, signature, 0) ? 0 : 1;
    signature[3] ^= 1;
    failures |= verifier.verify(key, 0, message, 0, message.length, signature, 0) ? 1 : 0;
    signature[3] ^= 1;
    failures |= verifier.start(key, 0, signature, 0) ? 0 : 1;
    verifier.update(message, 0, 700);
    verifier.update(message, 700, message.length - 700);
    failures |= verifier.finish() ? 0 : 1;
    sha.update(message, 0, message.length);
    sha.finish(digest, 0);
    x25519.publicKey(devicePublic, 0, devicePrivate, 0);
    failures |= x25519.sharedSecret(shared, 0, devicePrivate, 0, hostPublic, 0) ? 0 : 1;
    return failures;
  }

  @Test
  void verificationAndKeyAgreementAllocateNothing() throws Exception {
    for (int i = 0; i < message.length; i++) {
      message[i] = (byte) (i * 31 + 7);
    }
    KeyPair signer = JdkEd25519.keyPair("Ed25519", 1);
    key = JdkEd25519.raw(signer.getPublic());
    signature = JdkEd25519.sign(signer.getPrivate(), message);
    hostPublic = JdkEd25519.raw(JdkEd25519.keyPair("X25519", 2).getPublic());
    devicePrivate[0] = 42;
    int failures = round();
    long before = THREADS.getCurrentThreadAllocatedBytes();
    long overhead = THREADS.getCurrentThreadAllocatedBytes() - before;
    before = THREADS.getCurrentThreadAllocatedBytes();
    for (int n = 0; n < 3; n++) {
      failures |= round();
    }
    long bytes = THREADS.getCurrentThreadAllocatedBytes() - before - overhead;
    assertEquals(0, failures);
    assertEquals(0, bytes);
  }
}
