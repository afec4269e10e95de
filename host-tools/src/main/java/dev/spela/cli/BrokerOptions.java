package dev.spela.cli;

import dev.spela.fleet.FleetHost;
import dev.spela.fleet.security.ClientSecurity;
import dev.spela.fleet.security.FleetSecurity;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --broker URL --host-id ID --fleet DIR --insecure}: where the fleet is, which host the
 * devices wait for, and how to reach it. By default TLS trusting the fleet's CA and the fleet's
 * accounts (the fleet folder is created on first use); plain MQTT without logins only with {@code
 * --insecure}, which prints a warning.
 */
public final class BrokerOptions {

  /** The secured embedded broker's address ({@code spela broker}). */
  public static final String SECURE_BROKER = "ssl://127.0.0.1:8883";

  /** The plain broker's address ({@code spela broker --insecure}). */
  public static final String PLAIN_BROKER = "tcp://127.0.0.1:1883";

  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  @Option(
      names = "--broker",
      paramLabel = "URL",
      converter = UrlConverter.class,
      // Short lines: picocli would wrap a URL at any '.', ':' or '/'.
      description = {
        "MQTT broker: ssl://HOST[:PORT] (TLS), wss://",
        "(TLS WebSocket); tcp:// and ws:// only with",
        "--insecure (default: " + SECURE_BROKER + ",",
        "with --insecure " + PLAIN_BROKER + ")."
      })
  String url;

  @Option(
      names = "--host-id",
      paramLabel = "ID",
      defaultValue = FleetHost.DEFAULT_HOST_ID,
      description = "Host id whose STATE the devices wait for (default: ${DEFAULT-VALUE}).")
  String hostId;

  @Option(
      names = "--fleet",
      paramLabel = "DIR",
      description =
          "Fleet folder: CA, accounts, keys; created on first use"
              + " (default: $SPELA_FLEET, else ~/.spela/fleet).")
  Path fleetFolder;

  @Option(
      names = "--insecure",
      description = "Plain MQTT without logins, for local experiments (prints a warning).")
  boolean insecure;

  /** Accepted for scripts written when TLS was not the default; it is now. */
  @Option(names = "--secure", hidden = true)
  boolean secure;

  private FleetSecurity fleet;

  public String url() {
    return url != null ? url : insecure ? PLAIN_BROKER : SECURE_BROKER;
  }

  public String hostId() {
    return hostId;
  }

  public boolean insecure() {
    return insecure;
  }

  /** The fleet folder's path (it may not exist yet). */
  public Path fleetFolder() {
    return fleetFolder != null ? fleetFolder : FleetSecurity.defaultFolder();
  }

  /** The fleet folder, opened (created on first use). */
  FleetSecurity fleet() {
    if (fleet == null) {
      checkMode();
      try {
        fleet = FleetSecurity.open(fleetFolder());
      } catch (IOException e) {
        throw CliException.failure("cannot open the fleet folder " + fleetFolder() + ": " + e.getMessage(), e);
      }
    }
    return fleet;
  }

  /**
   * How a host tool logs in: the fleet's host account over TLS; with --insecure, anonymously over
   * plain MQTT after a warning on stderr.
   */
  ClientSecurity hostLogin() {
    checkMode();
    if (insecure) {
      warnInsecure(mixee.commandLine().getErr(), url());
      return ClientSecurity.NONE;
    }
    try {
      return fleet().hostClient();
    } catch (IOException e) {
      throw CliException.failure("cannot read the fleet's host login: " + e.getMessage(), e);
    }
  }

  /** Refuses contradictions: --secure with --insecure, plain URLs without --insecure. */
  void checkMode() {
    if (secure && insecure) {
      throw CliException.usage("--secure and --insecure contradict each other");
    }
    refusePlainUnlessInsecure(url(), insecure);
  }

  /** A usage error for a plain (tcp://, ws://) broker URL without --insecure. */
  static void refusePlainUnlessInsecure(String url, boolean insecure) {
    String scheme = url.substring(0, url.indexOf(':')).toLowerCase(Locale.ROOT);
    if (!insecure && (scheme.equals("tcp") || scheme.equals("ws"))) {
      throw CliException.usage(url + " is plain MQTT: use ssl:// (or wss://) with the fleet's broker, or add"
          + " --insecure");
    }
  }

  /** The one-line warning every command prints when it talks plain MQTT. */
  static void warnInsecure(PrintWriter err, String where) {
    err.println("spela: warning: --insecure: plain MQTT without logins; anyone who can reach " + where
        + " can read and command the fleet");
    err.flush();
  }

  /** Connects as a host; a one-line failure if the broker cannot be reached. */
  FleetHost open(FleetHost.Options options, FleetHost.Listener... listeners) {
    return open(url(), options, listeners);
  }

  /** As {@link #open(FleetHost.Options, FleetHost.Listener...)}, at {@code hostUrl} (a hosts' listener). */
  FleetHost open(String hostUrl, FleetHost.Options options, FleetHost.Listener... listeners) {
    ClientSecurity login = hostLogin();
    refusePlainUnlessInsecure(hostUrl, insecure);
    try {
      return FleetHost.open(hostUrl, hostId, options, login, listeners);
    } catch (IOException e) {
      throw CliException.failure(e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
  }

  /**
   * Accepts the broker URLs that both MQTT clients take (Paho's v5 on the host, v3 in the virtual
   * devices: the same four transports) and refuses any other as a usage error naming them, before
   * a client sees it.
   */
  public static final class UrlConverter implements CommandLine.ITypeConverter<String> {
    private static final Set<String> SOCKET_SCHEMES = Set.of("tcp", "ssl");
    private static final Set<String> WEBSOCKET_SCHEMES = Set.of("ws", "wss");

    @Override
    public String convert(String value) {
      URI uri;
      try {
        uri = new URI(value);
      } catch (URISyntaxException e) {
        throw refused(value, e.getReason());
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      boolean socket = SOCKET_SCHEMES.contains(scheme);
      if (!socket && !WEBSOCKET_SCHEMES.contains(scheme)) {
        throw refused(value, uri.getScheme() == null ? "no scheme" : "unknown scheme");
      }
      if (uri.getHost() == null) {
        throw refused(value, "no host");
      }
      if (uri.getPort() == 0 || uri.getPort() > 65535) {
        throw refused(value, "port outside 1..65535");
      }
      if (socket && !uri.getRawPath().isEmpty()) {
        throw refused(value, scheme + ":// takes no path");
      }
      return value;
    }

    private static CommandLine.TypeConversionException refused(String value, String reason) {
      return new CommandLine.TypeConversionException(
          "'"
              + value
              + "' is not a broker URL ("
              + reason
              + "): use tcp://HOST[:PORT], ssl://HOST[:PORT], ws://HOST[:PORT][/PATH] or"
              + " wss://HOST[:PORT][/PATH]");
    }
  }
}
