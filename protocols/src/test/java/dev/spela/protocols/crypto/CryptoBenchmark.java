package dev.spela.protocols.crypto;

import java.security.KeyPair;

/**
 * Times Ed25519 verification and X25519 on this machine (JIT): one thread, a warm-up, then the
 * median of five batches. Run with (after {@code mvn -q -pl protocols -am test-compile}):
 *
 * <pre>
 * java -cp protocols/target/classes:protocols/target/test-classes dev.spela.protocols.crypto.CryptoBenchmark
 * </pre>
 */
public final class CryptoBenchmark {

  private CryptoBenchmark() {}

  public static void main(String[] args) throws Exception {
    byte[] message = new byte[256];
    KeyPair signer = JdkEd25519.keyPair("Ed25519", 1);
    byte[] key = JdkEd25519.raw(signer.getPublic());
    byte[] signature = JdkEd25519.sign(signer.getPrivate(), message);
    byte[] peer = JdkEd25519.raw(JdkEd25519.keyPair("X25519", 2).getPublic());
    Ed25519Verifier verifier = new Ed25519Verifier();
    X25519 x25519 = new X25519();
    byte[] secret = new byte[32];
    byte[] out = new byte[32];
    secret[0] = 9;
    int batch = 200;
    double[] verify = new double[5];
    double[] agree = new double[5];
    for (int warm = 0; warm < 2000; warm++) {
      verifier.verify(key, 0, message, 0, message.length, signature, 0);
      x25519.sharedSecret(out, 0, secret, 0, peer, 0);
    }
    for (int b = 0; b < verify.length; b++) {
      long start = System.nanoTime();
      for (int i = 0; i < batch; i++) {
        if (!verifier.verify(key, 0, message, 0, message.length, signature, 0)) {
          throw new AssertionError("signature refused");
        }
      }
      verify[b] = (System.nanoTime() - start) / 1e3 / batch;
      start = System.nanoTime();
      for (int i = 0; i < batch; i++) {
        x25519.sharedSecret(out, 0, secret, 0, peer, 0);
      }
      agree[b] = (System.nanoTime() - start) / 1e3 / batch;
    }
    java.util.Arrays.sort(verify);
    java.util.Arrays.sort(agree);
    System.out.printf("Ed25519 verify (256-byte message): %.1f us%n", verify[2]);
    System.out.printf("X25519 shared secret: %.1f us%n", agree[2]);
  }
}
