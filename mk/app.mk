# mk/app.mk: compile and link one appliance image.
#
# Run by `kiln build`, not by hand:
#   make -f $(KILN_HOME)/mk/app.mk BUILD_DIR=/abs/APPDIR/_build/TARGET
# Everything else comes from $(BUILD_DIR)/gen/vars.mk, which kiln writes
# (only when it changes): KILN_HOME, APP_DIR, APP_NAME, TARGET, BUILD_DIR,
# APP_SRCS (absolute), USES, KV_FILES (absolute), IMAGE (absolute).
#
# Sources: the appliance's, lib/core (CORE_SRCS), the target's
# (TARGET_SRCS from mk/target-$(TARGET).mk), each used library's
# (<LIB>_SRCS from lib/<lib>/files.mk; paths relative to KILN_HOME), and
# the generated gen/kiln_image.c and gen/kiln_kv.S. Objects go to
# $(BUILD_DIR)/obj/{app,kiln,gen}/PATH.o, keeping the source's extension
# in the name so that x.c and x.S cannot collide.

ifeq ($(BUILD_DIR),)
$(error BUILD_DIR is not set: this makefile is run by `kiln build`)
endif

VARS_MK := $(BUILD_DIR)/gen/vars.mk
include $(VARS_MK)
include $(KILN_HOME)/lib/core/files.mk
include $(KILN_HOME)/mk/target-$(TARGET).mk

# lib/dns/files.mk sets DNS_SRCS: library names are [a-z][a-z0-9_]*
upper = $(subst a,A,$(subst b,B,$(subst c,C,$(subst d,D,$(subst e,E,$(subst \
	f,F,$(subst g,G,$(subst h,H,$(subst i,I,$(subst j,J,$(subst k,K,$(subst \
	l,L,$(subst m,M,$(subst n,N,$(subst o,O,$(subst p,P,$(subst q,Q,$(subst \
	r,R,$(subst s,S,$(subst t,T,$(subst u,U,$(subst v,V,$(subst w,W,$(subst \
	x,X,$(subst y,Y,$(subst z,Z,$(1)))))))))))))))))))))))))))
$(foreach u,$(USES),$(eval include $(KILN_HOME)/lib/$(u)/files.mk))
LIB_SRCS := $(foreach u,$(USES),$($(call upper,$(u))_SRCS))

OBJ := $(BUILD_DIR)/obj
GEN := $(BUILD_DIR)/gen
KILN_SRCS := $(sort $(CORE_SRCS) $(TARGET_SRCS) $(LIB_SRCS))
KILN_OBJS := $(patsubst %,$(OBJ)/kiln/%.o,$(KILN_SRCS))
APP_OBJS := $(patsubst $(APP_DIR)/%,$(OBJ)/app/%.o,$(APP_SRCS))
GEN_OBJS := $(OBJ)/gen/kiln_image.c.o $(OBJ)/gen/kiln_kv.S.o
ifneq ($(strip $(GEN_SRCS)),)
GEN_OBJS += $(OBJ)/gen/app_gen.c.o
endif
# Generated sources that only this target's images have (e.g. kvm's device
# note): TARGET_GEN_SRCS from mk/target-$(TARGET).mk, names in gen/ that
# kiln build writes (the target table's gen hook, tools/targets.h).
GEN_OBJS += $(patsubst %,$(OBJ)/gen/%.o,$(TARGET_GEN_SRCS))
OBJS := $(APP_OBJS) $(KILN_OBJS) $(GEN_OBJS)

KILN_CFLAGS := -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra \
	-Wno-unused-parameter -ffunction-sections -fdata-sections \
	-I$(KILN_HOME)/include -I$(GEN) $(TARGET_CFLAGS)
KILN_LDFLAGS := -Wl,--gc-sections $(TARGET_LDFLAGS)

all: $(IMAGE)

# Objects depend on vars.mk: a changed source list, library list or path
# rebuilds everything, which is rare and always right.
$(OBJ)/app/%.c.o: $(APP_DIR)/%.c $(VARS_MK)
	@mkdir -p $(@D)
	@echo "  CC      $(patsubst $(APP_DIR)/%,%,$<)"
	$(CC) $(KILN_CFLAGS) -MMD -MP -c -o $@ $<

$(OBJ)/app/%.S.o: $(APP_DIR)/%.S $(VARS_MK)
	@mkdir -p $(@D)
	@echo "  AS      $(patsubst $(APP_DIR)/%,%,$<)"
	$(CC) $(KILN_CFLAGS) -MMD -MP -c -o $@ $<

$(OBJ)/app/%.s.o: $(APP_DIR)/%.s $(VARS_MK)
	@mkdir -p $(@D)
	@echo "  AS      $(patsubst $(APP_DIR)/%,%,$<)"
	$(CC) $(KILN_CFLAGS) -c -o $@ $<

$(OBJ)/kiln/%.c.o: $(KILN_HOME)/%.c $(VARS_MK)
	@mkdir -p $(@D)
	@echo "  CC      $*.c"
	$(CC) $(KILN_CFLAGS) -MMD -MP -c -o $@ $<

$(OBJ)/kiln/%.S.o: $(KILN_HOME)/%.S $(VARS_MK)
	@mkdir -p $(@D)
	@echo "  AS      $*.S"
	$(CC) $(KILN_CFLAGS) -MMD -MP -c -o $@ $<

# keys.stamp holds the sealed key values; kiln_image.c changes with them
# anyway, the stamp makes the dependency explicit.
$(OBJ)/gen/kiln_image.c.o: $(GEN)/kiln_image.c $(GEN)/keys.stamp $(VARS_MK)
	@mkdir -p $(@D)
	$(CC) $(KILN_CFLAGS) -MMD -MP -c -o $@ $<

$(OBJ)/gen/%.c.o: $(GEN)/%.c $(VARS_MK)
	@mkdir -p $(@D)
	$(CC) $(KILN_CFLAGS) -MMD -MP -c -o $@ $<

# .incbin is invisible to -MMD: depend on the embedded files themselves,
# and on kv.stamp (sizes and mtimes) in case a file changed unseen.
$(OBJ)/gen/kiln_kv.S.o: $(GEN)/kiln_kv.S $(GEN)/kv.stamp $(KV_FILES) $(VARS_MK)
	@mkdir -p $(@D)
	$(CC) $(KILN_CFLAGS) -c -o $@ $<

# The build-time generator (manifest `generate`): a host program built
# from the appliance's generator sources, the host-side sources of each
# used library (<LIB>_HOST_SRCS) and the host-safe parts of lib/core, run
# on the sealed keys and the embedded files; its C output goes into the
# image. HOST_CC builds for the build machine, whatever CC targets.
HOST_CC ?= cc
LIB_HOST_SRCS := $(foreach u,$(USES),$($(call upper,$(u))_HOST_SRCS))
LIB_HOST_LDLIBS := $(foreach u,$(USES),$($(call upper,$(u))_HOST_LDLIBS))
HOSTGEN_SRCS := $(GEN_SRCS) $(addprefix $(KILN_HOME)/,$(sort \
	$(LIB_HOST_SRCS) lib/core/cfgtype.c lib/core/addr.c))

$(GEN)/hostgen: $(HOSTGEN_SRCS) $(VARS_MK)
	@echo "  HOSTCC  $(notdir $@)"
	$(HOST_CC) -O1 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra \
		-Wno-unused-parameter -I$(KILN_HOME)/include -I$(GEN) \
		-MMD -MP -o $@.tmp $(HOSTGEN_SRCS) $(LIB_HOST_LDLIBS) \
		|| { rm -f $@.tmp; exit 1; }
	mv -f $@.tmp $@

$(GEN)/app_gen.c: $(GEN)/hostgen $(GEN)/build.keys $(GEN)/kv.list \
		$(GEN)/kv.stamp $(KV_FILES)
	@echo "  GEN     $(notdir $@)"
	$(GEN)/hostgen $(GEN)/build.keys $(GEN)/kv.list $@.tmp \
		|| { rm -f $@.tmp; exit 1; }
	mv -f $@.tmp $@

$(OBJ)/gen/app_gen.c.o: $(GEN)/app_gen.c $(VARS_MK)
	@mkdir -p $(@D)
	$(CC) $(KILN_CFLAGS) -MMD -MP -c -o $@ $<

# Link to a temporary name and rename: the image path never holds a
# half-written or failed image.
$(IMAGE): $(OBJS) $(VARS_MK)
	@echo "  LD      $(patsubst $(APP_DIR)/%,%,$@)"
	$(CC) $(KILN_LDFLAGS) $(LDFLAGS) -o $@.tmp $(OBJS) $(TARGET_LDLIBS) \
		$(LDLIBS) || { rm -f $@.tmp; exit 1; }
	mv -f $@.tmp $@

-include $(OBJS:.o=.d) $(wildcard $(GEN)/hostgen.d)

.PHONY: all
.DELETE_ON_ERROR:
