package dev.spela.cli;

import java.net.InetSocketAddress;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code [HOST:]PORT} for {@code --http}: a port alone serves on 127.0.0.1 only (the dashboard has
 * no login); {@code 0.0.0.0:PORT} serves every interface. Port 0 picks a free port.
 */
final class HttpAddressConverter implements ITypeConverter<InetSocketAddress> {

  @Override
  public InetSocketAddress convert(String value) {
    int colon = value.lastIndexOf(':');
    String host = colon < 0 ? "127.0.0.1" : value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new TypeConversionException("expected [HOST:]PORT, got '" + value + "'");
    }
    if (port < 0 || port > 65535 || host.isEmpty()) {
      throw new TypeConversionException("expected [HOST:]PORT with a port from 0 to 65535, got '" + value + "'");
    }
    return new InetSocketAddress(host, port);
  }
}
