package dev.spela.fleet.security;

import dev.spela.fleet.ClaimService;
import dev.spela.fleet.HostConnection;
import dev.spela.fleet.Provisioner.Provisioned;
import dev.spela.fleet.security.FleetAccounts.Account;
import dev.spela.fleet.security.FleetAccounts.Role;
import dev.spela.protocols.fleet.FleetStatus;
import dev.spela.protocols.fleet.Name;
import dev.spela.protocols.fleet.SecureClaim;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * Provisioning by claim with sealed replies, host side (PROTOCOL.md 15.2, a draft): answers
 * authenticated, rate-limited claims with credentials encrypted to the claimant. The first answer
 * to a claim id draws its random device id; every new answer issues a new broker password and
 * device key (the account's previous password stops working), registered in the fleet's accounts
 * before the reply leaves. Claims that fail a check get no answer; drops are counted by reason and
 * logged once per reason and then as one summary line a minute.
 */
public final class SecureProvisioner implements ClaimService {

  /** What to hand out: new devices' group, the claim ids to accept, the rate limits. */
  public record Options(String group, Pattern allowed, ClaimRateLimiter limiter) {}

  private static final String REQUESTS = "spela/v2/PROVISION/REQ/";
  private static final String REPLIES = "spela/v2/PROVISION/REPLY/";

  private static final long SUMMARY_NANOS = 60_000_000_000L;

  private final FleetSecurity fleet;
  private final byte[] batchSecret;
  private final Options options;
  private final Consumer<Provisioned> listener;
  private final byte[] hostKey;
  private final Map<String, byte[]> lastReply = new HashMap<>();
  private final Map<String, AtomicInteger> drops = new ConcurrentHashMap<>();
  private final AtomicInteger answered = new AtomicInteger();
  private long lastSummary = System.nanoTime();
  private final Name name = new Name();
  private HostConnection connection;

  private SecureProvisioner(
      FleetSecurity fleet, byte[] batchSecret, Options options, Consumer<Provisioned> listener)
      throws IOException {
    this.fleet = fleet;
    this.batchSecret = batchSecret.clone();
    this.options = options;
    this.listener = listener;
    this.hostKey = fleet.hostPublicKey();
  }

  /** Connects as a host and answers claims on {@code spela/v2/PROVISION/REQ/+} until closed. */
  public static SecureProvisioner start(
      String brokerUrl,
      FleetSecurity fleet,
      byte[] batchSecret,
      Options options,
      Consumer<Provisioned> listener)
      throws IOException {
    SecureProvisioner provisioner = new SecureProvisioner(fleet, batchSecret, options, listener);
    String clientId = "host-provision-" + DeviceRegistry.newDeviceId().substring(4, 12);
    provisioner.connection =
        HostConnection.connect(brokerUrl, clientId, null, provisioner::receive, fleet.hostClient());
    try {
      provisioner.connection.subscribe(REQUESTS + "+", 1);
      return provisioner;
    } catch (IOException e) {
      provisioner.close();
      throw e;
    }
  }

  /**
   * Registers claim accounts, so that the broker admits these units to claim: username the claim
   * id, password derived from the batch secret (what the unit derives from its claim key).
   */
  public static void registerClaims(
      FleetSecurity fleet, byte[] batchSecret, Collection<String> claimIds) throws IOException {
    for (String claimId : claimIds) {
      if (claimId.startsWith("dev-")) {
        throw new IllegalArgumentException(
            "claim id '" + claimId + "' looks like a device id (dev-...)");
      }
      String password = ClaimCrypto.claimPassword(ClaimCrypto.unitKey(batchSecret, claimId));
      fleet.whileLocked(() -> {
        fleet.accounts().put(new Account(claimId, Role.CLAIM, null, PasswordHash.of(password)));
        return null;
      });
    }
  }

  @Override
  public int answered() {
    return answered.get();
  }

  /** Claims dropped for {@code reason} (BAD_TOPIC, BAD_FIELD, BAD_MAC, RATE_LIMITED, FAILED). */
  public int dropped(String reason) {
    AtomicInteger count = drops.get(reason);
    return count == null ? 0 : count.get();
  }

  @Override
  public void close() {
    if (connection != null) {
      connection.close();
    }
  }

  private synchronized void receive(String topic, byte[] claim) {
    String claimId = topic.startsWith(REQUESTS) ? topic.substring(REQUESTS.length()) : "";
    String problem = check(claimId, claim);
    if (problem == null) {
      byte[] unitKey = ClaimCrypto.unitKey(batchSecret, claimId);
      if (!ClaimCrypto.claimMacMatches(unitKey, claim)) {
        problem = "BAD_MAC";
      } else if (!options.limiter().allow(claimId)) {
        problem = "RATE_LIMITED";
      } else {
        answer(claimId, unitKey, claim);
        return;
      }
    }
    drop(problem, claimId);
  }

  /** The header and name checks of PROTOCOL.md 15.2; null if the claim passes them. */
  private String check(String claimId, byte[] claim) {
    if (claim.length != SecureClaim.CLAIM_LENGTH) {
      return "BAD_FIELD";
    }
    ByteBuffer header = ByteBuffer.wrap(claim).order(ByteOrder.LITTLE_ENDIAN);
    if (header.get(0) != SecureClaim.VERSION
        || header.get(1) != SecureClaim.CLAIM_TYPE
        || header.getShort(2) != 0
        || header.getInt(4) != 0
        || header.getInt(8) != SecureClaim.CLAIM_BODY_LENGTH) {
      return "BAD_FIELD";
    }
    int body = SecureClaim.HEADER_LENGTH;
    if (Name.checkField(claim, body + SecureClaim.CLAIM_ID_OFFSET) != FleetStatus.OK
        || Name.checkField(claim, body + SecureClaim.BOARD_ID_OFFSET) != FleetStatus.OK) {
      return "BAD_FIELD";
    }
    name.readField(claim, body + SecureClaim.CLAIM_ID_OFFSET);
    byte[] id = claimId.getBytes(StandardCharsets.US_ASCII);
    return name.equalTo(id, 0, id.length) ? null : "BAD_TOPIC";
  }

  private void answer(String claimId, byte[] unitKey, byte[] claim) {
    byte[] nonce =
        Arrays.copyOfRange(
            claim,
            SecureClaim.HEADER_LENGTH + SecureClaim.CLAIM_NONCE_OFFSET,
            SecureClaim.HEADER_LENGTH + SecureClaim.CLAIM_NONCE_OFFSET + SecureClaim.NONCE_LENGTH);
    byte[] previous = lastReply.get(claimId);
    if (previous != null
        && Arrays.equals(
            nonce,
            Arrays.copyOfRange(
                previous,
                SecureClaim.HEADER_LENGTH + SecureClaim.REPLY_NONCE_OFFSET,
                SecureClaim.HEADER_LENGTH
                    + SecureClaim.REPLY_NONCE_OFFSET
                    + SecureClaim.NONCE_LENGTH))) {
      publish(claimId, previous); // the same claim again (QoS 1 duplicate): the same answer
      return;
    }
    try {
      byte[] reply;
      Provisioned provisioned = null;
      var hostKeys = KeyPairGenerator.getInstance("X25519").generateKeyPair();
      if (options.allowed().matcher(claimId).matches()) {
        FleetSecurity.Issued issued = fleet.issueToClaim(claimId, options.group());
        DeviceRegistry.Device device = issued.device();
        boolean known = issued.known();
        String password = issued.password();
        reply =
            ClaimCrypto.reply(
                unitKey,
                claim,
                hostKeys,
                SecureClaim.ACCEPTED,
                ClaimCrypto.credentials(
                    device.deviceId(), device.group(), password, device.deviceKey(), hostKey));
        provisioned = new Provisioned(claimId, device.deviceId(), device.group(), !known);
      } else {
        reply = ClaimCrypto.reply(unitKey, claim, hostKeys, SecureClaim.REFUSED, null);
        Logger.info("refused claim {}", claimId);
      }
      lastReply.put(claimId, reply);
      if (publish(claimId, reply) && provisioned != null) {
        listener.accept(provisioned);
      }
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      Logger.warn("cannot answer claim {}: {}", claimId, e.getMessage());
      drop("FAILED", claimId);
    }
  }

  private boolean publish(String claimId, byte[] reply) {
    try {
      connection.publish(REPLIES + claimId, reply, 1, false);
      answered.incrementAndGet();
      return true;
    } catch (IOException e) {
      Logger.warn("cannot answer claim {}: {}", claimId, e.getMessage());
      return false;
    }
  }

  private void drop(String reason, String claimId) {
    int count = drops.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
    long now = System.nanoTime();
    if (count == 1) {
      Logger.warn(
          "dropped a claim for '{}': {} (further drops are summed up once a minute)",
          claimId,
          reason);
    } else if (now - lastSummary > SUMMARY_NANOS) {
      lastSummary = now;
      Logger.warn("claims dropped so far: {}", drops);
    }
  }
}
