# MACROHARD images, the Redox way: `make all` builds the default image (build/server/harddrive.img)
# from config/server.toml; `make minimal`, `make desktop` the others; `make boot` boots the
# default one. The image builder itself decides what is stale (docs/build.md), so these targets
# always ask it, and it answers "up to date" when nothing changed.

CONFIG ?= server
NODE ?= node
MACROHARD = $(NODE) bin/macrohard.js

.PHONY: all dist image minimal server desktop boot test clean

all: image

node_modules/.package-lock.json: package.json
	npm install

dist: node_modules/.package-lock.json
	$(NODE) scripts/build.mjs

image: dist
	$(MACROHARD) image build config/$(CONFIG).toml

minimal server desktop: dist
	$(MACROHARD) image build config/$@.toml

boot: image
	$(MACROHARD) boot --image build/$(CONFIG)/harddrive.img

test:
	npm test

clean:
	rm -rf build
