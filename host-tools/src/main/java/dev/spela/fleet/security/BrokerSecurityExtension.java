package dev.spela.fleet.security;

import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.auth.parameter.TopicPermission;
import com.hivemq.extension.sdk.api.packets.auth.DefaultAuthorizationBehaviour;
import com.hivemq.extension.sdk.api.packets.auth.ModifiableDefaultPermissions;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.connect.ConnectPacket;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import dev.spela.fleet.security.FleetAccounts.Account;
import dev.spela.fleet.security.FleetAccounts.Role;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * The embedded broker's security, loaded in-process through HiveMQ's extension SDK: every client
 * must log in with an account of the fleet ({@link FleetAccounts}, re-read when it changes, so a
 * device provisioned or revoked a moment ago is known at its next connection), and gets exactly the
 * permissions {@link FleetPolicy} gives its role, everything else denied.
 *
 * <p>A device or claim account must use its username as client id, and no host may take a device's
 * or claim's client id: nobody can knock a device off the broker by connecting with its id. A
 * refused publish is dropped (MQTT 3.1.1 clients are disconnected, as HiveMQ does for them); a
 * refused subscription gets a failure code in its SUBACK.
 */
public final class BrokerSecurityExtension implements ExtensionMain {

  private final FleetAccounts accounts;

  public BrokerSecurityExtension(FleetAccounts accounts) {
    this.accounts = accounts;
  }

  @Override
  public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
    SimpleAuthenticator authenticator = this::authenticate;
    Services.securityRegistry().setAuthenticatorProvider(providerInput -> authenticator);
  }

  @Override
  public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {}

  private void authenticate(SimpleAuthInput input, SimpleAuthOutput output) {
    ConnectPacket connect = input.getConnectPacket();
    String clientId = connect.getClientId();
    Optional<String> username = connect.getUserName();
    Optional<ByteBuffer> password = connect.getPassword();
    try {
      Optional<Account> account =
          username.isPresent() ? accounts.find(username.get()) : Optional.empty();
      if (account.isEmpty()
          || password.isEmpty()
          || !PasswordHash.matches(utf8(password.get()), account.get().passwordHash())) {
        Logger.info(
            "refused MQTT login of client '{}' as '{}'", clientId, username.orElse("(anonymous)"));
        output.failAuthentication(
            ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "bad username or password");
        return;
      }
      Account a = account.get();
      boolean ownId = clientId.equals(a.username());
      boolean takesAnothersId =
          a.role() == Role.HOST
              && accounts.find(clientId).filter(o -> o.role() != Role.HOST).isPresent();
      if ((a.role() != Role.HOST && !ownId) || takesAnothersId) {
        Logger.info("refused MQTT client id '{}' for account '{}'", clientId, a.username());
        output.failAuthentication(
            ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "client id must be the username");
        return;
      }
      ModifiableDefaultPermissions permissions = output.getDefaultPermissions();
      permissions.setDefaultBehaviour(DefaultAuthorizationBehaviour.DENY);
      for (FleetPolicy.Rule rule : FleetPolicy.rulesFor(a)) {
        permissions.add(
            Builders.topicPermission()
                .topicFilter(rule.topic())
                .type(TopicPermission.PermissionType.ALLOW)
                .activity(
                    rule.publish()
                        ? TopicPermission.MqttActivity.PUBLISH
                        : TopicPermission.MqttActivity.SUBSCRIBE)
                .retain(
                    rule.retain()
                        ? TopicPermission.Retain.ALL
                        : TopicPermission.Retain.NOT_RETAINED)
                .sharedSubscription(
                    a.role() == Role.HOST
                        ? TopicPermission.SharedSubscription.ALL
                        : TopicPermission.SharedSubscription.NOT_SHARED)
                .build());
      }
      output.authenticateSuccessfully();
    } catch (IOException | RuntimeException e) {
      Logger.warn(
          "refused MQTT client '{}': cannot read the fleet accounts: {}", clientId, e.getMessage());
      output.failAuthentication(ConnackReasonCode.SERVER_UNAVAILABLE, "accounts unavailable");
    }
  }

  private static String utf8(ByteBuffer bytes) {
    ByteBuffer copy = bytes.asReadOnlyBuffer();
    byte[] array = new byte[copy.remaining()];
    copy.get(array);
    return new String(array, StandardCharsets.UTF_8);
  }
}
