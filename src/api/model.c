/* placeholder */ typedef int dla_api_placeholder_;
