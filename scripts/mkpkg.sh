#!/usr/bin/env bash
# usage: mkpkg.sh dir name description [extra deps json]
set -e
dir=$1; name=$2; desc=$3
mkdir -p $dir/src $dir/test
depth=$(echo $dir | tr -cd '/' | wc -c); up=$(printf '../%.0s' $(seq 0 $depth))
cat > $dir/package.json <<JSON
{
  "name": "$name",
  "version": "0.1.0",
  "description": "$desc",
  "license": "MIT",
  "type": "module",
  "sideEffects": false,
  "engines": {
    "node": ">=20.19"
  },
  "exports": {
    ".": {
      "@threadline/source": "./src/index.ts",
      "types": "./dist/index.d.ts",
      "default": "./dist/index.js"
    },
    "./package.json": "./package.json"
  },
  "main": "./dist/index.js",
  "types": "./dist/index.d.ts",
  "files": [
    "dist",
    "src",
    "!src/**/*.test.ts",
    "README.md"
  ],
  "scripts": {
    "build": "tsup"
  },
  "peerDependencies": {
    "@threadline/core": "workspace:^"
  },
  "devDependencies": {
    "@threadline/core": "workspace:*"
  }
}
JSON
cp packages/core/tsup.config.ts $dir/tsup.config.ts
cat > $dir/tsconfig.json <<JSON
{
  "extends": "${up}tsconfig.base.json",
  "include": ["src"],
  "exclude": ["src/**/*.test.ts"]
}
JSON
