export const id = 146;
export const ids = [146];
export const modules = {

/***/ 9146:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   findFiles: () => (/* binding */ findFiles)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
// Finding files by glob with Node's own fs.promises.glob (Node 22+; the actions run on Node 24).


/**
 * Files matching any of `patterns` (`**`, `*`, `?`, `{a,b}`, `[ab]`); a pattern starting with `!` removes
 * matches. Returns absolute paths, sorted, each once; folders are left out.
 */
async function findFiles(patterns, options) {
    const include = patterns.filter((p) => !p.startsWith('!'));
    const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
    if (include.length === 0)
        return [];
    const named = include.join('\n');
    const ignored = new Set((options.ignoreDirs ?? ['node_modules', '.git']).filter((d) => !named.includes(d)));
    const found = new Set();
    for await (const entry of (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.glob)(include, {
        cwd: options.cwd,
        withFileTypes: true,
        exclude: (dirent) => ignored.has(dirent.name) && dirent.isDirectory(),
    })) {
        if (!entry.isFile())
            continue;
        const path = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.resolve)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(entry.parentPath, entry.name));
        const rel = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.relative)(options.cwd, path);
        if (exclude.some((p) => (0,node_path__WEBPACK_IMPORTED_MODULE_1__.matchesGlob)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.isAbsolute)(p) ? path : rel, p)))
            continue;
        found.add(path);
    }
    return [...found].sort();
}


/***/ })

};
