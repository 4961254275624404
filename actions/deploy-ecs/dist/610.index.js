export const id = 610;
export const ids = [610];
export const modules = {

/***/ 7610:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   uploadTemplate: () => (/* binding */ uploadTemplate)
/* harmony export */ });
/* unused harmony exports TEMPLATE_BODY_LIMIT, templateKey, templateUrl */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(3711);
/* harmony import */ var _aws_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1183);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2863);
// Templates over CloudFormation's 51,200-byte request limit go through S3: uploaded under a key derived from
// their content (re-deploying the same template rewrites the same object) and passed as a TemplateURL.
// Loaded with a dynamic import() only when a template needs it.




/** CloudFormation's limit for a template passed in the request (TemplateBody). */
const TEMPLATE_BODY_LIMIT = 51_200;
function templateKey(stackName, body) {
    const hash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(body, 'utf8').digest('hex');
    return `cloudformation-templates/${stackName}/${hash}.template`;
}
/** The virtual-hosted-style URL CloudFormation reads a template from. */
function templateUrl(bucket, region, key) {
    const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    return `https://${bucket}.s3.${region}.${suffix}/${key.split('/').map(encodeURIComponent).join('/')}`;
}
/** Uploads `body` to `bucket` (in `region`, the stack's) and returns the object's URL and key. */
async function uploadTemplate(options) {
    const key = templateKey(options.stackName, options.body);
    const client = new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_3__/* .S3Client */ .YxF((0,_aws_js__WEBPACK_IMPORTED_MODULE_1__/* .awsClientConfig */ .rw)(options.region));
    try {
        await (0,_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .aws */ .o2)('S3 PutObject', () => client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_3__/* .PutObjectCommand */ .wKZ({
            Bucket: options.bucket,
            Key: key,
            Body: options.body,
            ContentType: 'text/plain; charset=utf-8',
        })), `Check that the bucket ${options.bucket} exists in ${options.region} and that the deploy role may s3:PutObject to it (and CloudFormation, or the role-arn role, may s3:GetObject from it)`);
    }
    finally {
        client.destroy();
    }
    return { url: templateUrl(options.bucket, options.region, key), key };
}


/***/ })

};
