package dev.spela.protocols.fleet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The device side of the sealed claim against PROTOCOL.md 15.2's example. */
class SecureClaimTest {

  private static final byte[] BATCH_SECRET = "batch-7-secret".getBytes(StandardCharsets.US_ASCII);

  static Name name(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
    Name name = new Name();
    assertEquals(FleetStatus.OK, name.set(bytes, 0, bytes.length));
    return name;
  }

  static byte[] sequence(int first, int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (first + i);
    }
    return bytes;
  }

  static byte[] random() {
    byte[] random = new byte[SecureClaim.RANDOM_LENGTH];
    System.arraycopy(sequence(0x01, 32), 0, random, 0, 32);
    System.arraycopy(sequence(0xa0, 16), 0, random, 32, 16);
    return random;
  }

  static SecureClaim claimant(byte[] claim) {
    SecureClaim device = new SecureClaim();
    byte[] unitKey = new byte[32];
    device.deriveUnitKey(BATCH_SECRET, 0, BATCH_SECRET.length, name("SN-000417"), unitKey, 0);
    device.useUnitKey(unitKey, 0, new byte[32], 0);
    assertEquals(
        SecureClaim.CLAIM_LENGTH,
        device.encodeClaim(claim, 0, name("SN-000417"), name("virtual-m4"), random(), 0));
    return device;
  }

  @Test
  void encodesTheExampleClaimAndOpensTheExampleReply() throws Exception {
    byte[] claim = new byte[SecureClaim.CLAIM_LENGTH];
    SecureClaim device = claimant(claim);
    assertArrayEquals(block("sealed-claim"), claim);
    byte[] reply = block("sealed-claim-reply");
    assertEquals(FleetStatus.OK, device.openReply(reply, 0, reply.length));
    assertTrue(device.accepted());
    Name out = new Name();
    device.deviceId(out);
    assertTrue(out.equalTo(name("dev-9f2kq4m7x1c8b3zt5wvd")));
    device.group(out);
    assertTrue(out.equalTo(name("lab")));
    byte[] key = new byte[32];
    device.deviceKey(key, 0);
    assertArrayEquals(sequence(0x80, 32), key);
    assertEquals(
        FleetStatus.BAD_MAC, device.openReply(reply, 0, reply.length), "a claim is answered once");
  }

  @Test
  void dropsMalformedReplies() throws Exception {
    byte[] reply = block("sealed-claim-reply");
    SecureClaim device = claimant(new byte[SecureClaim.CLAIM_LENGTH]);
    assertEquals(FleetStatus.TRUNCATED, device.openReply(reply, 0, 11));
    assertEquals(FleetStatus.TRUNCATED, device.openReply(reply, 0, reply.length - 1));
    byte[] v1 = reply.clone();
    v1[0] = 1;
    assertEquals(FleetStatus.UNSUPPORTED_VERSION, device.openReply(v1, 0, v1.length));
    byte[] claimType = reply.clone();
    claimType[1] = 0x07;
    assertEquals(FleetStatus.WRONG_TYPE, device.openReply(claimType, 0, claimType.length));
    byte[] flags = reply.clone();
    flags[3] = 1;
    assertEquals(FleetStatus.BAD_FIELD, device.openReply(flags, 0, flags.length));
    byte[] status = reply.clone();
    status[12] = 5;
    assertEquals(FleetStatus.BAD_FIELD, device.openReply(status, 0, status.length));
    byte[] sealed = reply.clone();
    sealed[12 + 60] ^= 1;
    assertEquals(FleetStatus.BAD_MAC, device.openReply(sealed, 0, sealed.length));
    assertFalse(device.accepted());
    assertEquals(
        FleetStatus.BAD_MAC,
        new SecureClaim().openReply(reply, 0, reply.length),
        "no claim outstanding");
  }

  @Tag("zero-allocation")
  @Test
  void claimingAllocatesNothing() throws Exception {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    byte[] reply = block("sealed-claim-reply");
    byte[] claim = new byte[SecureClaim.CLAIM_LENGTH];
    byte[] unitKey = new byte[32];
    byte[] password = new byte[32];
    byte[] random = random();
    Name claimId = name("SN-000417");
    Name board = name("virtual-m4");
    Name out = new Name();
    SecureClaim device = new SecureClaim();
    int failures = 0;
    long before = 0;
    long overhead = 0;
    for (int round = 0; round < 4; round++) {
      if (round == 1) { // the first round loads classes
        before = threads.getCurrentThreadAllocatedBytes();
        overhead = threads.getCurrentThreadAllocatedBytes() - before;
        before = threads.getCurrentThreadAllocatedBytes();
      }
      device.deriveUnitKey(BATCH_SECRET, 0, BATCH_SECRET.length, claimId, unitKey, 0);
      device.useUnitKey(unitKey, 0, password, 0);
      failures |=
          device.encodeClaim(claim, 0, claimId, board, random, 0) == SecureClaim.CLAIM_LENGTH
              ? 0
              : 1;
      failures |= device.openReply(reply, 0, reply.length);
      failures |= device.deviceId(out);
    }
    long bytes = threads.getCurrentThreadAllocatedBytes() - before - overhead;
    assertEquals(0, failures);
    assertEquals(0, bytes);
  }

  /** The bytes of the fenced block {@code ```hex <name>} in PROTOCOL.md (after its topic line). */
  static byte[] block(String name) throws Exception {
    List<String> lines = Files.readAllLines(Path.of("PROTOCOL.md"), StandardCharsets.UTF_8);
    int start = lines.indexOf("```hex " + name);
    assertTrue(start >= 0, "PROTOCOL.md has no ```hex " + name + " block");
    StringBuilder hex = new StringBuilder();
    for (int k = start + 2; !lines.get(k).equals("```"); k++) {
      hex.append(lines.get(k).substring(6).replace(" ", ""));
    }
    return HexFormat.of().parseHex(hex);
  }
}
