package dev.spela.subset;

import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Calls every steady-state entry point of a device program with out-of-range arguments, one
 * parameter at a time (the other numbers 0, then 1; the other arguments ordinary), and collects
 * the calls that throw: a steady-state
 * method answers bad input with a status, never with an exception the VM allocates
 * (EMBEDDED-JAVA-SUBSET.md, "EXCEPTION"). Out of range are: for an int -1, 2^16, the smallest and
 * the largest int; for a long -1 and the extremes; for an array null and an empty one. Object
 * arguments of the program's own types are the device's preallocated objects, never null.
 */
public final class OutOfRangeCalls {

  private static final int[] INTS = {-1, 1 << 16, Integer.MIN_VALUE, Integer.MAX_VALUE};
  private static final long[] LONGS = {-1, Long.MIN_VALUE, Long.MAX_VALUE};

  /** What the calls run on and with: prepared as the device prepares them at initialisation. */
  public interface Fixtures {

    /**
     * Fresh objects to call an instance method declared by {@code type} on (every kind of object
     * it can be: for an abstract class, one of each subclass), each in its ordinary state.
     */
    List<Object> receivers(Class<?> type);

    /** An ordinary argument of a reference type (an array large enough for any call, a name). */
    Object argument(Class<?> type);
  }

  private OutOfRangeCalls() {}

  /**
   * Makes the calls.
   *
   * @param entryPoints the entry points as a check reports them ({@code binary.Class.name(desc)})
   * @return one line per call that threw: the method, the arguments and the exception
   */
  public static List<String> throwingCalls(
      List<String> entryPoints, ClassLoader loader, Fixtures fixtures) {
    List<String> failures = new ArrayList<>();
    for (String entry : entryPoints) {
      Method method = method(entry, loader);
      if (method.getParameterCount() == 0) {
        continue;
      }
      boolean isStatic = Modifier.isStatic(method.getModifiers());
      for (int position = 0; position < method.getParameterCount(); position++) {
        for (Object hostile : hostileValues(method.getParameterTypes()[position])) {
          for (int ordinary = 0; ordinary <= 1; ordinary++) {
          Object[] arguments = ordinaryArguments(method, ordinary, fixtures);
          arguments[position] = hostile;
          List<Object> receivers =
              isStatic ? Arrays.asList((Object) null) : fixtures.receivers(method.getDeclaringClass());
          for (Object receiver : receivers) {
            try {
              method.invoke(receiver, arguments);
            } catch (InvocationTargetException e) {
              failures.add(
                  entry
                      + (receiver == null ? "" : " on " + receiver.getClass().getSimpleName())
                      + " with "
                      + describe(arguments)
                      + ": "
                      + e.getCause());
            } catch (IllegalAccessException e) {
              throw new IllegalStateException("cannot call " + entry, e);
            }
          }
          }
        }
      }
    }
    return failures;
  }

  private static Method method(String entry, ClassLoader loader) {
    int open = entry.indexOf('(');
    int dot = entry.lastIndexOf('.', open);
    String descriptor = entry.substring(open);
    try {
      Class<?> type = Class.forName(entry.substring(0, dot), false, loader);
      for (Method method : type.getDeclaredMethods()) {
        if (method.getName().equals(entry.substring(dot + 1, open))
            && MethodType.methodType(method.getReturnType(), method.getParameterTypes())
                .toMethodDescriptorString()
                .equals(descriptor)) {
          method.setAccessible(true);
          return method;
        }
      }
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException("no class for entry point " + entry, e);
    }
    throw new IllegalArgumentException("no method for entry point " + entry);
  }

  private static List<Object> hostileValues(Class<?> type) {
    List<Object> values = new ArrayList<>();
    if (type == int.class) {
      for (int value : INTS) {
        values.add(value);
      }
    } else if (type == long.class) {
      for (long value : LONGS) {
        values.add(value);
      }
    } else if (type.isArray() && type.getComponentType().isPrimitive()) {
      values.add(null);
      values.add(java.lang.reflect.Array.newInstance(type.getComponentType(), 0));
    }
    return values;
  }

  private static Object[] ordinaryArguments(Method method, int number, Fixtures fixtures) {
    Class<?>[] types = method.getParameterTypes();
    Object[] arguments = new Object[types.length];
    for (int k = 0; k < types.length; k++) {
      Class<?> type = types[k];
      if (type == int.class) {
        arguments[k] = number;
      } else if (type == long.class) {
        arguments[k] = (long) number;
      } else if (type == boolean.class) {
        arguments[k] = number != 0;
      } else if (type == short.class) {
        arguments[k] = (short) number;
      } else if (type == byte.class) {
        arguments[k] = (byte) number;
      } else {
        arguments[k] = fixtures.argument(type);
      }
    }
    return arguments;
  }

  private static String describe(Object[] arguments) {
    List<String> shown = new ArrayList<>();
    for (Object argument : arguments) {
      shown.add(
          argument == null
              ? "null"
              : argument.getClass().isArray()
                  ? argument.getClass().getComponentType() + "[" + java.lang.reflect.Array.getLength(argument) + "]"
                  : argument.getClass().getName().startsWith("java.")
                      ? argument.toString()
                      : argument.getClass().getSimpleName());
    }
    return "(" + String.join(", ", shown) + ")";
  }
}
