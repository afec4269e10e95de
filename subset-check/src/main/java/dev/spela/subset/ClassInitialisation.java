package dev.spela.subset;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * Class initialisation as the JVM performs it (JVMS 5.5): which classes allocate when they are
 * initialised, and which classes are <em>forced at initialisation</em> by constructing an object
 * (EMBEDDED-JAVA-SUBSET.md, "CLASS_INIT").
 */
final class ClassInitialisation {

  private final Program program;
  private final Map<String, Optional<String>> allocations = new HashMap<>();
  private final Map<MethodNode, Set<String>> prefixes = new HashMap<>();
  private final Map<String, Set<String>> forced = new HashMap<>();

  ClassInitialisation(Program program) {
    this.program = program;
  }

  /**
   * The class a static call or static field access initialises (the class declaring what it
   * resolves to), if the program defines it; null for any other instruction.
   */
  String initialisedBy(AbstractInsnNode insn) {
    String declaring = null;
    if (insn instanceof MethodInsnNode call && call.getOpcode() == Opcodes.INVOKESTATIC) {
      Program.Method method = program.resolveMethod(call.owner, call.name, call.desc);
      declaring = method == null ? null : method.ownerName();
    } else if (insn instanceof FieldInsnNode access
        && (access.getOpcode() == Opcodes.GETSTATIC || access.getOpcode() == Opcodes.PUTSTATIC)) {
      Program.Field field = program.resolveField(access.owner, access.name, access.desc);
      declaring = field == null ? null : field.owner().name;
    } else if (insn instanceof TypeInsnNode type && type.getOpcode() == Opcodes.NEW) {
      declaring = type.desc;
    }
    return declaring != null && program.defines(declaring) ? declaring : null;
  }

  /**
   * What initialising the class (with its superclasses) allocates first, as {@code new int[] in
   * binary.Class.<clinit> [line N]}, following every call its static initialiser makes; null if it
   * allocates nothing. JDK classes are taken to be initialised by the VM before device code runs.
   */
  String allocationOnInit(String className) {
    Optional<String> known = allocations.get(className);
    if (known != null) {
      return known.orElse(null);
    }
    allocations.put(className, Optional.empty()); // a cycle adds nothing new
    ClassNode node = program.get(className);
    String found = null;
    if (node != null) {
      found = node.superName == null ? null : allocationOnInit(node.superName);
      MethodNode clinit = Program.declared(node, "<clinit>", "()V");
      if (found == null && clinit != null) {
        found = allocationIn(new Program.Method(node, clinit), new HashSet<>());
      }
    }
    allocations.put(className, Optional.ofNullable(found));
    return found;
  }

  /** The first allocation running the method can make, following all calls, or null. */
  private String allocationIn(Program.Method method, Set<MethodNode> visited) {
    if (!visited.add(method.node()) || method.isAbstractOrNative()) {
      return null;
    }
    Lines lines = new Lines(method.node().instructions);
    for (AbstractInsnNode insn : method.node().instructions) {
      String allocated = ClassInspection.allocation(insn);
      if (allocated == null && insn instanceof LdcInsnNode ldc && ldc.cst instanceof String) {
        allocated = "a string constant";
      }
      if (allocated != null) {
        return allocated + " in " + place(method, lines.at(insn));
      }
      String initialised = initialisedBy(insn);
      if (initialised != null && !initialised.equals(method.ownerName())) {
        String inner = allocationOnInit(initialised);
        if (inner != null) {
          return inner;
        }
      }
      if (insn instanceof MethodInsnNode call) {
        for (Program.Method target : SteadyStatePaths.targets(program, call)) {
          String inner = allocationIn(target, visited);
          if (inner != null) {
            return inner;
          }
        }
      }
    }
    return null;
  }

  private static String place(Program.Method method, int line) {
    return method.display() + (line == Violation.NO_LINE ? "" : " [line " + line + "]");
  }

  /**
   * The classes certainly initialised once an object of the class, or of any program class below
   * it, has been constructed: for each such concrete class, itself and its superclasses, the
   * classes their static initialisers initialise before their first branch, and the classes every
   * one of its constructors initialises before its first branch (where javac puts field
   * initialisers), following static, private, super and constructor calls made there.
   */
  Set<String> forcedByConstructing(String className) {
    return forced.computeIfAbsent(
        className,
        name -> {
          Set<String> common = null;
          for (ClassNode concrete : program.concreteSubtypes(name)) {
            Set<String> made = constructed(concrete);
            if (common == null) {
              common = made;
            } else {
              common.retainAll(made);
            }
          }
          return common != null ? common : initialisation(name);
        });
  }

  private Set<String> constructed(ClassNode node) {
    Set<String> made = initialisation(node.name);
    Set<String> everyConstructor = null;
    for (MethodNode method : node.methods) {
      if (method.name.equals("<init>")) {
        Set<String> triggers = prefix(method);
        if (everyConstructor == null) {
          everyConstructor = new HashSet<>(triggers);
        } else {
          everyConstructor.retainAll(triggers);
        }
      }
    }
    if (everyConstructor != null) {
      made.addAll(everyConstructor);
    }
    return made;
  }

  /** The class, its superclasses, and what their static initialisers certainly initialise. */
  private Set<String> initialisation(String className) {
    Set<String> classes = new LinkedHashSet<>();
    for (ClassNode c = program.get(className); c != null; c = program.get(c.superName)) {
      classes.add(c.name);
      MethodNode clinit = Program.declared(c, "<clinit>", "()V");
      if (clinit != null) {
        classes.addAll(prefix(clinit));
      }
      if (c.superName == null) {
        break;
      }
    }
    return classes;
  }

  /**
   * The program classes a method certainly initialises: those its instructions before the first
   * branch, throw, return or try block initialise, following static, private, super and
   * constructor calls (a call that returns leaves the path straight; one that throws ends it).
   */
  private Set<String> prefix(MethodNode method) {
    Set<String> known = prefixes.get(method);
    if (known != null) {
      return known;
    }
    Set<String> classes = new LinkedHashSet<>();
    prefixes.put(method, classes); // a recursive call adds nothing certain
    Set<LabelNode> entries = branchTargets(method);
    for (AbstractInsnNode insn : method.instructions) {
      int opcode = insn.getOpcode();
      if (insn instanceof LabelNode label && entries.contains(label)
          || insn instanceof JumpInsnNode
          || insn instanceof TableSwitchInsnNode
          || insn instanceof LookupSwitchInsnNode
          || opcode == Opcodes.ATHROW
          || opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN) {
        break;
      }
      String initialised = initialisedBy(insn);
      if (initialised != null) {
        classes.addAll(initialisation(initialised));
      }
      if (insn instanceof MethodInsnNode call
          && (opcode == Opcodes.INVOKESTATIC || opcode == Opcodes.INVOKESPECIAL)) {
        Program.Method target = program.resolveMethod(call.owner, call.name, call.desc);
        if (target != null && program.defines(target.ownerName())) {
          classes.addAll(prefix(target.node()));
        }
      }
    }
    return classes;
  }

  /** Labels a jump, a switch or an exception can reach, and the starts of try blocks. */
  private static Set<LabelNode> branchTargets(MethodNode method) {
    Set<LabelNode> labels = new HashSet<>();
    for (AbstractInsnNode insn : method.instructions) {
      labels.addAll(Divisors.targets(insn));
    }
    for (TryCatchBlockNode block : method.tryCatchBlocks) {
      labels.add(block.start);
      labels.add(block.handler);
    }
    return labels;
  }
}
