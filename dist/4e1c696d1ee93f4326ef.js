module.exports = eval("require")("../cloudformation/");
