package dev.spela.cli;

import dev.spela.fleet.FleetHost;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --broker URL --host-id ID}: where the fleet is and which host the devices wait for. */
public final class BrokerOptions {

  @Option(
      names = "--broker",
      paramLabel = "URL",
      defaultValue = FleetHost.DEFAULT_BROKER,
      converter = UrlConverter.class,
      // Short lines: picocli would wrap a URL at any '.', ':' or '/'.
      description = {
        "MQTT broker: tcp://HOST[:PORT], ssl://HOST[:PORT]",
        "(TLS), ws:// or wss:// (WebSocket), any MQTT 5",
        "broker (default: ${DEFAULT-VALUE})."
      })
  String url;

  @Option(
      names = "--host-id",
      paramLabel = "ID",
      defaultValue = FleetHost.DEFAULT_HOST_ID,
      description = "Host id whose STATE the devices wait for (default: ${DEFAULT-VALUE}).")
  String hostId;

  public String url() {
    return url;
  }

  public String hostId() {
    return hostId;
  }

  /** Connects as a host; a one-line failure if the broker cannot be reached. */
  FleetHost open(FleetHost.Options options, FleetHost.Listener... listeners) {
    try {
      return FleetHost.open(url, hostId, options, listeners);
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
