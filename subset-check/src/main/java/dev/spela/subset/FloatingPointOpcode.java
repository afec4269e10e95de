package dev.spela.subset;

import org.objectweb.asm.Opcodes;

/**
 * Every JVM opcode that works on float or double values, named by its mnemonic. (ASM's tree API
 * reads the short forms FLOAD_0 and LDC_W as FLOAD and LDC; float constants loaded with LDC and
 * NEWARRAY of float or double are caught by their operands instead.)
 */
enum FloatingPointOpcode {
  FCONST_0(Opcodes.FCONST_0),
  FCONST_1(Opcodes.FCONST_1),
  FCONST_2(Opcodes.FCONST_2),
  DCONST_0(Opcodes.DCONST_0),
  DCONST_1(Opcodes.DCONST_1),
  FLOAD(Opcodes.FLOAD),
  DLOAD(Opcodes.DLOAD),
  FALOAD(Opcodes.FALOAD),
  DALOAD(Opcodes.DALOAD),
  FSTORE(Opcodes.FSTORE),
  DSTORE(Opcodes.DSTORE),
  FASTORE(Opcodes.FASTORE),
  DASTORE(Opcodes.DASTORE),
  FADD(Opcodes.FADD),
  DADD(Opcodes.DADD),
  FSUB(Opcodes.FSUB),
  DSUB(Opcodes.DSUB),
  FMUL(Opcodes.FMUL),
  DMUL(Opcodes.DMUL),
  FDIV(Opcodes.FDIV),
  DDIV(Opcodes.DDIV),
  FREM(Opcodes.FREM),
  DREM(Opcodes.DREM),
  FNEG(Opcodes.FNEG),
  DNEG(Opcodes.DNEG),
  I2F(Opcodes.I2F),
  I2D(Opcodes.I2D),
  L2F(Opcodes.L2F),
  L2D(Opcodes.L2D),
  F2I(Opcodes.F2I),
  F2L(Opcodes.F2L),
  F2D(Opcodes.F2D),
  D2I(Opcodes.D2I),
  D2L(Opcodes.D2L),
  D2F(Opcodes.D2F),
  FCMPL(Opcodes.FCMPL),
  FCMPG(Opcodes.FCMPG),
  DCMPL(Opcodes.DCMPL),
  DCMPG(Opcodes.DCMPG),
  FRETURN(Opcodes.FRETURN),
  DRETURN(Opcodes.DRETURN);

  private static final FloatingPointOpcode[] BY_OPCODE = new FloatingPointOpcode[256];

  static {
    for (FloatingPointOpcode op : values()) {
      BY_OPCODE[op.opcode] = op;
    }
  }

  private final int opcode;

  FloatingPointOpcode(int opcode) {
    this.opcode = opcode;
  }

  /** The floating-point opcode with this number, or null for any other instruction or pseudo-instruction (-1). */
  static FloatingPointOpcode of(int opcode) {
    return opcode >= 0 ? BY_OPCODE[opcode] : null;
  }
}
