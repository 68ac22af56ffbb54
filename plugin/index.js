// `require("pulumi-chaser/plugin")`: the resources and lookups of the `chaser` provider plugin (the executable
// beside this file). A directory of the package rather than an "exports" entry, so that the deep requires of
// state written by earlier releases (pulumi-chaser/dist/provider/...) keep resolving.
module.exports = require("../dist/sdk/nodejs/plugin");
