/*
 * aq's own modules: parts of the core that need a heavy library
 * (core/modules/NAME.c: git for libgit2, archive for libarchive), built
 * as shared objects and loaded only by the commands that use them.
 *
 * Unlike plugins they have no ABI of their own: they are built with the
 * core, call the core's functions (the aq executable exports them), and
 * are looked up in the build tree and in $PREFIX/lib/aq/modules.
 */
#ifndef AQ_MODULE_H
#define AQ_MODULE_H

/*
 * Store the address of function sym of module name in *fn.  A symbol
 * already linked into the running program (unit tests link modules in)
 * is used as is.  Fails with an error naming the file.
 */
int aq_module_fn(const char *name, const char *sym, void **fn);

#endif
