package dev.spela.subset;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * The checked classes as one closed program, with the JVM's rules for finding what a call or field
 * access names: resolution (JVMS 5.4.3) and, for virtual and interface calls, class hierarchy
 * analysis (every method that a concrete checked class would select, JVMS 5.4.6). Classes outside
 * the program are read, for their supertypes and members only, from the JDK the check runs on.
 */
final class Program {

  /** A method of a class, program or JDK; {@code node} is null for JDK methods read headers-only. */
  record Method(ClassNode owner, MethodNode node) {

    String ownerName() {
      return owner.name;
    }

    String name() {
      return node.name;
    }

    String descriptor() {
      return node.desc;
    }

    boolean isStatic() {
      return (node.access & Opcodes.ACC_STATIC) != 0;
    }

    boolean isPrivate() {
      return (node.access & Opcodes.ACC_PRIVATE) != 0;
    }

    boolean isAbstractOrNative() {
      return (node.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0;
    }

    /** {@code owner.name(desc)ret} as the allowlist spells members. */
    String reference() {
      return owner.name + "." + node.name + node.desc;
    }

    /** {@code dev.spela.Example.name(desc)ret}, as reports name methods. */
    String display() {
      return owner.name.replace('/', '.') + "." + node.name + node.desc;
    }
  }

  /** A resolved field; {@code owner} is the class that declares it. */
  record Field(ClassNode owner, FieldNode node) {}

  private final Map<String, ClassNode> classes;
  private final Map<String, String> origins;
  private final Map<String, Optional<ClassNode>> outside = new HashMap<>();
  private final Map<String, Set<String>> supertypes = new HashMap<>();
  private final Map<String, List<ClassNode>> concreteSubtypes = new HashMap<>();

  /**
   * @param classes the program's classes by internal name, in input order
   * @param origins the input each class was read from (a path, or {@code jar!/entry})
   */
  Program(Map<String, ClassNode> classes, Map<String, String> origins) {
    this.classes = Collections.unmodifiableMap(new LinkedHashMap<>(classes));
    this.origins = Map.copyOf(origins);
  }

  /** Every class of the program, in input order. */
  Iterable<ClassNode> classes() {
    return classes.values();
  }

  int size() {
    return classes.size();
  }

  /** Whether the program defines the class (internal name). */
  boolean defines(String internalName) {
    return classes.containsKey(internalName);
  }

  ClassNode get(String internalName) {
    return classes.get(internalName);
  }

  String origin(String internalName) {
    return origins.get(internalName);
  }

  /**
   * The class, from the program or else from the running JDK (headers only), or null if neither
   * has it. Arrays are Objects.
   */
  ClassNode lookup(String internalName) {
    String name = internalName.startsWith("[") ? "java/lang/Object" : internalName;
    ClassNode node = classes.get(name);
    return node != null
        ? node
        : outside.computeIfAbsent(name, n -> Optional.ofNullable(readJdkClass(n))).orElse(null);
  }

  private static ClassNode readJdkClass(String internalName) {
    try (InputStream in = ClassLoader.getSystemResourceAsStream(internalName + ".class")) {
      if (in == null) {
        return null;
      }
      ClassNode node = new ClassNode();
      new ClassReader(in).accept(node, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG);
      return node;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the JDK's " + internalName, e);
    }
  }

  /** Whether {@code type} is {@code ancestor} or one of its subclasses or implementations. */
  boolean isSubtype(String type, String ancestor) {
    return supertypes(type).contains(ancestor);
  }

  /** The class, its superclasses and all its superinterfaces (as far as they can be read). */
  Set<String> supertypes(String type) {
    return supertypes.computeIfAbsent(type, this::collectSupertypes);
  }

  private Set<String> collectSupertypes(String type) {
    Set<String> found = new LinkedHashSet<>();
    List<String> pending = new ArrayList<>(List.of(type));
    while (!pending.isEmpty()) {
      String name = pending.remove(pending.size() - 1);
      if (found.add(name)) {
        ClassNode node = lookup(name);
        if (node != null) {
          if (node.superName != null) {
            pending.add(node.superName);
          }
          pending.addAll(node.interfaces);
        }
      }
    }
    return Collections.unmodifiableSet(found);
  }

  /** The program's non-abstract classes that are {@code type} or below it. */
  List<ClassNode> concreteSubtypes(String type) {
    return concreteSubtypes.computeIfAbsent(
        type,
        t -> {
          List<ClassNode> found = new ArrayList<>();
          for (ClassNode node : classes.values()) {
            if ((node.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_INTERFACE)) == 0
                && isSubtype(node.name, t)) {
              found.add(node);
            }
          }
          return found;
        });
  }

  /** The method a call names, resolved as the JVM does (JVMS 5.4.3.3, 5.4.3.4), or null. */
  Method resolveMethod(String owner, String name, String descriptor) {
    ClassNode start = lookup(owner);
    if (start == null) {
      return null;
    }
    if (name.equals("<init>") || name.equals("<clinit>")) {
      MethodNode node = declared(start, name, descriptor);
      return node == null ? null : new Method(start, node);
    }
    boolean isInterface = (start.access & Opcodes.ACC_INTERFACE) != 0;
    for (ClassNode c = start; c != null; c = superclass(c)) {
      MethodNode node = declared(c, name, descriptor);
      if (node != null) {
        return new Method(c, node);
      }
      if (isInterface) {
        break; // an interface's superclass methods are Object's, looked up after its own
      }
    }
    if (isInterface) {
      ClassNode object = lookup("java/lang/Object");
      MethodNode node = object == null ? null : declared(object, name, descriptor);
      if (node != null && (node.access & Opcodes.ACC_PUBLIC) != 0) {
        return new Method(object, node);
      }
    }
    List<Method> inherited = interfaceMethods(start, name, descriptor, false);
    return inherited.isEmpty() ? null : inherited.get(0);
  }

  /**
   * Every method a virtual or interface call can run on a program object: the selection (JVMS
   * 5.4.6) for each concrete program class that is the owner or below it. Methods of JDK classes
   * that program classes inherit are included (the caller checks them against the allowlist).
   */
  List<Method> dispatch(Method resolved, String owner) {
    if (resolved.isPrivate() || resolved.isStatic()) {
      return List.of(resolved);
    }
    Set<Method> targets = new LinkedHashSet<>();
    for (ClassNode receiver : concreteSubtypes(owner)) {
      targets.addAll(select(receiver, resolved.name(), resolved.descriptor()));
    }
    if (!defines(resolved.ownerName())) {
      targets.add(resolved); // a JDK method: judged by the allowlist, whoever overrides it
    }
    return new ArrayList<>(targets);
  }

  /** The method a call on an object of class {@code receiver} selects. */
  private List<Method> select(ClassNode receiver, String name, String descriptor) {
    for (ClassNode c = receiver; c != null; c = superclass(c)) {
      MethodNode node = declared(c, name, descriptor);
      if (node != null && (node.access & (Opcodes.ACC_STATIC | Opcodes.ACC_PRIVATE)) == 0) {
        return (node.access & Opcodes.ACC_ABSTRACT) != 0
            ? List.of()
            : List.of(new Method(c, node));
      }
    }
    return interfaceMethods(receiver, name, descriptor, true);
  }

  /**
   * The maximally specific methods of the class's superinterfaces with this name and descriptor
   * (only default methods if {@code defaultsOnly}).
   */
  private List<Method> interfaceMethods(
      ClassNode start, String name, String descriptor, boolean defaultsOnly) {
    List<Method> candidates = new ArrayList<>();
    for (String type : supertypes(start.name)) {
      ClassNode node = lookup(type);
      if (node == null || (node.access & Opcodes.ACC_INTERFACE) == 0 || node == start) {
        continue;
      }
      MethodNode method = declared(node, name, descriptor);
      if (method != null
          && (method.access & (Opcodes.ACC_STATIC | Opcodes.ACC_PRIVATE)) == 0
          && (!defaultsOnly || (method.access & Opcodes.ACC_ABSTRACT) == 0)) {
        candidates.add(new Method(node, method));
      }
    }
    List<Method> specific = new ArrayList<>();
    for (Method candidate : candidates) {
      boolean overridden = false;
      for (Method other : candidates) {
        overridden |=
            other != candidate && isSubtype(other.ownerName(), candidate.ownerName());
      }
      if (!overridden) {
        specific.add(candidate);
      }
    }
    return specific;
  }

  /** The field an access names, resolved as the JVM does (JVMS 5.4.3.2), or null. */
  Field resolveField(String owner, String name, String descriptor) {
    ClassNode node = lookup(owner);
    if (node == null) {
      return null;
    }
    for (FieldNode field : node.fields) {
      if (field.name.equals(name) && field.desc.equals(descriptor)) {
        return new Field(node, field);
      }
    }
    for (String type : node.interfaces) {
      Field found = resolveField(type, name, descriptor);
      if (found != null) {
        return found;
      }
    }
    return node.superName == null ? null : resolveField(node.superName, name, descriptor);
  }

  /** The method a class itself declares, or null. */
  static MethodNode declared(ClassNode node, String name, String descriptor) {
    for (MethodNode method : node.methods) {
      if (method.name.equals(name) && method.desc.equals(descriptor)) {
        return method;
      }
    }
    return null;
  }

  private ClassNode superclass(ClassNode node) {
    return node.superName == null ? null : lookup(node.superName);
  }
}
